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
  /** In an application-consistent cut: what this member gets (see CutMember.guarantee). */
  readonly guarantee?: string;
}

/** One member of an application-consistent cut, in the order it is fenced and pinned. */
export interface CutMember {
  readonly name: string;
  /** Fence (block writes) before pinning; false for the last member and unfenceable ones. */
  readonly fence: boolean;
  /**
   * `causal`: no write that causally follows a captured write is missed (fenced until
   * the last snapshot was pinned, or pinned last); `snapshot-only`: its own snapshot is
   * consistent, but it could not be fenced, so cross-member causality is not guaranteed.
   */
  readonly guarantee: 'causal' | 'snapshot-only';
}

/**
 * The cross-service cut (DESIGN.md): fence and pin members one after another in `members`
 * order, release every fence once the last snapshot is pinned, then dump from the pinned
 * snapshots at leisure.
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
