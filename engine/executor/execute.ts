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
import { openSpool, type Spool } from './spool.ts';

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
  const memberOptions = (memberSignal: AbortSignal, artifacts: ArtifactFactory) => ({
    registry: options.registry,
    artifacts,
    signal: memberSignal,
    emit,
    backoff: options.backoff ?? {},
    sleep: options.sleep ?? ((ms: number, s: AbortSignal) => delay(ms, undefined, { signal: s })),
    random: options.random ?? Math.random,
    now,
    graceMs,
  });
  // Members captured inside the fence window write to a local spool; it is stored in the
  // repository after the fences are released.
  const spools = new Map<string, Spool>();
  const captureInWindow = async (member: MemberPlan, windowSignal: AbortSignal) => {
    const spool = await openSpool();
    spools.set(member.workload.name, spool);
    return runMember(
      plan,
      member,
      memberOptions(windowSignal, { ...options.artifacts, sink: () => spool.sink }),
    );
  };
  try {
    const cut = plan.cut
      ? await runCut(plan, bags, { registry: options.registry, signal, emit, now, graceMs, captureInWindow })
      : undefined;
    const members =
      cut?.status === 'failed'
        ? plan.members.map((member) => cutFailed(member, cut.error, emit))
        : await mapConcurrent(plan.members, plan.concurrency, async (member) => {
            const name = member.workload.name;
            const captured = cut?.inWindow.get(name);
            const spool = spools.get(name);
            if (captured && spool)
              return publishSpool(member, captured, spool, options.artifacts ?? {}, emit);
            const snapshot = cut?.snapshots.get(name);
            const bag = bags.get(name);
            return runMember(
              plan,
              member,
              memberOptions(signal, options.artifacts ?? {}),
              snapshot !== undefined && bag ? { handles: bag, snapshot } : undefined,
            );
          });
    return finish(members, cut);
  } finally {
    await Promise.all([...spools.values()].map((s) => s.dispose().catch(() => undefined)));
  }

  function finish(members: MemberResult[], cut: Awaited<ReturnType<typeof runCut>> | undefined): RunResult {
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

/** Store what a member captured inside the fence window into the repository, now that the fences are released. */
async function publishSpool(
  member: MemberPlan,
  captured: MemberResult,
  spool: Spool,
  artifacts: ArtifactFactory,
  emit: Emit,
): Promise<MemberResult> {
  try {
    if (!artifacts.sink) throw new LifeboatError(`no artifact sink for ${member.workload.name}`);
    await spool.publish(await artifacts.sink(member));
    return captured;
  } catch (cause) {
    const error =
      cause instanceof LifeboatError
        ? cause
        : new LifeboatError(
            `storing the capture of ${member.workload.name} (taken inside the fence window) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { workload: member.workload.name, cause },
          );
    emit({
      type: 'member.end',
      member: member.workload.name,
      status: 'failed',
      durationMs: 0,
      error: error.message,
    });
    return { ...captured, status: 'failed', error };
  }
}
