import type { LifeboatError } from '../errors.ts';
import type { MemberStatus, PhaseStatus } from './events.ts';

export interface PhaseResult {
  readonly name: string;
  readonly func: string;
  readonly defer: boolean;
  readonly status: PhaseStatus;
  readonly attempts: number;
  readonly durationMs: number;
  /** The function's declared outputs (null values when skipped or failed). */
  readonly output: Readonly<Record<string, unknown>>;
  readonly error?: LifeboatError;
}

/** One member's outcome: every member gets one, whatever the others did. */
export interface MemberResult {
  readonly member: string;
  readonly engine: string;
  readonly strategy: string;
  readonly status: MemberStatus;
  readonly durationMs: number;
  readonly phases: readonly PhaseResult[];
  /** Outputs by phase name, e.g. `outputs.dump.markers`. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly bytes: number;
  readonly rows: number;
  /** Application-consistent cut: `causal` or `snapshot-only` (see CutMember). */
  readonly guarantee?: string;
  /** The first failure (a PhaseError, or CancelledError). */
  readonly error?: LifeboatError;
  /** A failure of the defer phase when a main phase had already failed. */
  readonly deferError?: LifeboatError;
}

export interface RunResult {
  /** `cancelled` when the run's signal aborted, else `failed` if any member failed. */
  readonly status: MemberStatus;
  readonly durationMs: number;
  readonly members: readonly MemberResult[];
  /** Application-consistent cut: how long writes were fenced (first fence → last release). */
  readonly cut?: {
    readonly status: 'succeeded' | 'failed';
    readonly fenceWindowMs: number;
    readonly error?: LifeboatError;
  };
}
