/**
 * Structured events the executor emits while a plan runs. Subscribers (progress display,
 * JSON lines, metrics, the controller's status) only read them; a throwing subscriber
 * never affects the run. Events carry no secrets: errors are already redacted messages.
 */
export type PhaseStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type MemberStatus = 'succeeded' | 'failed' | 'cancelled';

interface Base {
  /** Epoch milliseconds. */
  readonly at: number;
}

export type RunEvent =
  | (Base & {
      readonly type: 'run.start';
      readonly action: string;
      readonly app: string;
      readonly backupId: string;
      readonly members: readonly string[];
    })
  | (Base & {
      readonly type: 'member.start';
      readonly member: string;
      readonly engine: string;
      readonly strategy: string;
    })
  | (Base & {
      readonly type: 'phase.start';
      readonly member: string;
      readonly phase: string;
      readonly func: string;
      readonly attempt: number;
      readonly defer: boolean;
    })
  | (Base & {
      readonly type: 'phase.retry';
      readonly member: string;
      readonly phase: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: string;
    })
  | (Base & {
      readonly type: 'phase.end';
      readonly member: string;
      readonly phase: string;
      readonly status: PhaseStatus;
      readonly attempts: number;
      readonly durationMs: number;
      readonly defer: boolean;
      readonly error?: string;
    })
  | (Base & {
      readonly type: 'progress';
      readonly member: string;
      readonly phase: string;
      /** Bytes/rows since the previous progress event of this member. */
      readonly bytes: number;
      readonly rows: number;
      readonly estimate?: { readonly bytes?: number; readonly rows?: number };
    })
  | (Base & { readonly type: 'cut.start'; readonly members: readonly string[] })
  | (Base & {
      readonly type: 'cut.end';
      readonly status: 'succeeded' | 'failed';
      /** First fence acquired → last fence released; 0 when nothing was fenced. */
      readonly fenceWindowMs: number;
      /** Duration of each fence/pin call and of the release, for tuning the window. */
      readonly steps: readonly { readonly member: string; readonly op: string; readonly ms: number }[];
      readonly error?: string;
    })
  | (Base & { readonly type: 'warning'; readonly member?: string; readonly message: string })
  | (Base & {
      readonly type: 'member.end';
      readonly member: string;
      readonly status: MemberStatus;
      readonly durationMs: number;
      readonly error?: string;
    })
  | (Base & {
      readonly type: 'run.end';
      readonly status: MemberStatus;
      readonly durationMs: number;
      /** Members that did not succeed. */
      readonly failed: readonly string[];
    });

export type RunEventType = RunEvent['type'];
