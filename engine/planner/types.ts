/**
 * The Plan: one validated, immutable description of everything an action will do, built
 * before any side effect. The executor runs it; `describePlan` prints it (--dry-run).
 */
import type { Strategy } from '../../adapters/types.ts';
import type { ActionName } from '../blueprint/schema.ts';
import type { BackupInfo, TemplateOptions } from '../blueprint/context.ts';
import type { Application, Workload } from '../model/index.ts';

export type Consistency = 'app' | 'member';

/** Why a member got its strategy. */
export interface StrategyDecision {
  /**
   * `requested` (the caller's option), `annotation` (lifeboat.dev/strategy on the
   * workload), `default`, `fallback` (the preferred one is impossible per the probe), or
   * `recorded` (restore/verify use what the backup recorded).
   */
  readonly source: 'requested' | 'annotation' | 'default' | 'fallback' | 'recorded';
  /** One sentence a user reads in the dry-run. */
  readonly reason: string;
}

/** One phase as it will run; `args` are still templates, rendered just before the call. */
export interface PlanStep {
  readonly name: string;
  readonly func: string;
  readonly description?: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly if?: string | boolean;
  /** undefined: no timeout. */
  readonly timeoutMs?: number;
  readonly retries: number;
}

export interface MemberPlan {
  /** Includes credentials: never print it; `describePlan` omits them. */
  readonly workload: Workload;
  readonly strategy: Strategy;
  readonly decision: StrategyDecision;
  readonly blueprint: { readonly name: string; readonly file?: string };
  readonly group: string;
  /** The `backup` template context of this member. */
  readonly backup: BackupInfo;
  readonly steps: readonly PlanStep[];
  /** Runs after the steps whatever happened (thaw, cleanup). */
  readonly defer?: PlanStep;
  /** What this member's capture guarantees (backups only; see Guarantee). */
  readonly guarantee?: Guarantee;
}

/**
 * What a member's capture guarantees, recorded in the manifest and shown by `lifeboat list`:
 * - `causal`: its own point in time, and no captured write lacks a write it causally
 *   follows in another member of the cut (fenced until every snapshot was pinned and every
 *   in-window capture finished, or pinned last with nothing captured after it);
 * - `causal-in-window`: captured while every fenced member's fence held, so no captured
 *   write lacks its cause in a fenced member (and, for writes that only add, no captured
 *   write of a fenced member lacks its cause here); it has no point in time of its own
 *   (each collection or token range is read at its own instant inside the window), and
 *   two such members are not causal with each other;
 * - `snapshot-only`: its own point in time, not causal with the other members (pinned but
 *   could not be fenced, and not last);
 * - `point-in-time` (member consistency): its own point in time, captured independently;
 * - `unpinned` (member consistency): no point in time at all: each collection or token
 *   range is read at its own instant.
 */
export type Guarantee = 'causal' | 'causal-in-window' | 'snapshot-only' | 'point-in-time' | 'unpinned';

/** One line per guarantee, for `lifeboat list` and the dry-run. */
export const GUARANTEE_MEANING: Readonly<Record<Guarantee, string>> = {
  causal: 'own point in time; every captured write has its causes in the other members',
  'causal-in-window':
    'captured while the fenced members were fenced: every captured write has its causes in them; no point in time of its own',
  'snapshot-only': 'own point in time; not causal with the other members (could not be fenced)',
  'point-in-time': 'own point in time; captured independently of the other members',
  unpinned: 'no point in time: each collection or token range read at its own instant',
};

/** One member of an application-consistent cut, in the order it is fenced and pinned. */
export interface CutMember {
  readonly name: string;
  /** Fence (block writes) until the cut ends; false for a pinned last member and unfenceable ones. */
  readonly fence: boolean;
  /**
   * `pin`: a snapshot is pinned during the cut and dumped after it. `in-window`: the member
   * cannot pin a snapshot, so it is captured whole inside the fence window, after every
   * pin, while every fence still holds (to a local spool; stored after the release).
   */
  readonly capture: 'pin' | 'in-window';
  readonly guarantee: Extract<Guarantee, 'causal' | 'causal-in-window' | 'snapshot-only' | 'unpinned'>;
}

/**
 * The cross-service cut (DESIGN.md): fence and pin members one after another in `members`
 * order, capture the `in-window` members while every fence holds, release every fence,
 * then dump from the pinned snapshots at leisure.
 */
export interface ConsistentCut {
  readonly members: readonly CutMember[];
}

/** Members captured as one consistent cut (app consistency), or each alone. */
export interface ConsistencyGroup {
  readonly name: string;
  readonly members: readonly string[];
}

export interface Plan {
  readonly action: ActionName;
  readonly application: Application;
  readonly backup: { readonly id: string; readonly startedAt: string };
  readonly consistency: Consistency;
  /** Members run at once. */
  readonly concurrency: number;
  readonly options: TemplateOptions;
  readonly groups: readonly ConsistencyGroup[];
  readonly members: readonly MemberPlan[];
  /** Present for an application-consistent backup. */
  readonly cut?: ConsistentCut;
}
