import { setTimeout as delay } from 'node:timers/promises';
import type { FunctionRegistry } from '../functions/types.ts';
import { LifeboatError } from '../errors.ts';
import { createHandleBag } from '../functions/handle-bag.ts';
import type { MemberPlan, Plan } from '../planner/types.ts';
import { runCut } from './run-cut.ts';
import type { BackoffOptions } from './backoff.ts';
import { mapConcurrent } from './concurrency.ts';
import type { MemberStatus, RunEvent } from './events.ts';
import type { MemberResult, RunResult } from './results.ts';
import { runMember, type ArtifactFactory, type Emit } from './run-member.ts';

export interface ExecuteOptions {
  readonly registry: FunctionRegistry;
  /** Opens each member's artifact sink (backup) or source (restore), lazily. */
  readonly artifacts?: ArtifactFactory;
  /** Cancels the run: running phases abort, remaining ones are skipped, defer phases still run. */
  readonly signal?: AbortSignal;
  /** Event subscribers; one that throws is ignored. */
  readonly onEvent?: ((event: RunEvent) => void) | readonly ((event: RunEvent) => void)[];
  /** Retry backoff. @default { baseMs: 1000, maxMs: 30000, factor: 2 } */
  readonly backoff?: BackoffOptions;
  /** A function ignoring its abort signal gets this long before the run moves on. @default 5000 */
  readonly graceMs?: number;
  /** For tests: clock, randomness and waiting. */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Run a Plan: members concurrently (up to `plan.concurrency`), each member's phases in
 * order with per-phase timeout and retries for retryable errors, then its defer phase.
 * Never throws for a failing member: every member's result is in the RunResult, so one
 * failure does not hide what the others did.
 */
export async function execute(plan: Plan, options: ExecuteOptions): Promise<RunResult> {
  const now = options.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  const subscribers =
    options.onEvent === undefined ? [] : Array.isArray(options.onEvent) ? options.onEvent : [options.onEvent];
  const emit: Emit = (event) => {
    const full = { ...event, at: now() } as RunEvent;
    for (const subscriber of subscribers as readonly ((event: RunEvent) => void)[]) {
      try {
        subscriber(full);
      } catch {
        // A broken display must not break a backup.
      }
    }
  };
  const started = now();
  emit({
    type: 'run.start',
    action: plan.action,
    app: plan.application.name,
    backupId: plan.backup.id,
    members: plan.members.map((m) => m.workload.name),
  });
  const graceMs = options.graceMs ?? 5000;
  const bags = new Map(plan.members.map((m) => [m.workload.name, createHandleBag()]));
  const cut = plan.cut
    ? await runCut(plan, bags, { registry: options.registry, signal, emit, now, graceMs })
    : undefined;
  const members =
    cut?.status === 'failed'
      ? plan.members.map((member) => cutFailed(member, cut.error, emit))
      : await mapConcurrent(plan.members, plan.concurrency, (member) => {
          const name = member.workload.name;
          const snapshot = cut?.snapshots.get(name);
          const bag = bags.get(name);
          return runMember(
            plan,
            member,
            {
              registry: options.registry,
              artifacts: options.artifacts ?? {},
              signal,
              emit,
              backoff: options.backoff ?? {},
              sleep: options.sleep ?? ((ms, s) => delay(ms, undefined, { signal: s })),
              random: options.random ?? Math.random,
              now,
              graceMs,
            },
            snapshot !== undefined && bag ? { handles: bag, snapshot } : undefined,
          );
        });
  const status: MemberStatus = signal.aborted
    ? 'cancelled'
    : members.every((m) => m.status === 'succeeded')
      ? 'succeeded'
      : 'failed';
  const durationMs = now() - started;
  emit({
    type: 'run.end',
    status,
    durationMs,
    failed: members.filter((m) => m.status !== 'succeeded').map((m) => m.member),
  });
  return {
    status,
    durationMs,
    members,
    ...(cut && {
      cut: { status: cut.status, fenceWindowMs: cut.fenceWindowMs, ...(cut.error && { error: cut.error }) },
    }),
  };
}

/** The result of a member whose blueprint never ran because the cut failed. */
function cutFailed(member: MemberPlan, error: LifeboatError | undefined, emit: Emit): MemberResult {
  const failure = error ?? new LifeboatError('the application-consistent cut failed');
  emit({
    type: 'member.end',
    member: member.workload.name,
    status: 'failed',
    durationMs: 0,
    error: failure.message,
  });
  return {
    member: member.workload.name,
    engine: member.workload.engine,
    strategy: member.strategy,
    status: 'failed',
    durationMs: 0,
    phases: [],
    outputs: {},
    bytes: 0,
    rows: 0,
    ...(member.guarantee !== undefined && { guarantee: member.guarantee }),
    error: failure,
  };
}
