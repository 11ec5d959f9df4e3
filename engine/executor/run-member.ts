import type { ArtifactSink, ArtifactSource, ProgressSink } from '../../adapters/types.ts';
import { buildTemplateContext, type PhaseRecord } from '../blueprint/context.ts';
import { formatDuration } from '../blueprint/duration.ts';
import { evaluateCondition, renderValue } from '../blueprint/template/evaluate.ts';
import { CancelledError, LifeboatError, UsageError } from '../errors.ts';
import { createHandleBag } from '../functions/handle-bag.ts';
import type { FunctionContext, FunctionRegistry, HandleBag, MemberArtifacts } from '../functions/types.ts';
import type { MemberPlan, Plan, PlanStep } from '../planner/types.ts';
import { abortable } from './abortable.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { MemberStatus, PhaseStatus, RunEvent } from './events.ts';
import { PhaseError } from './phase-error.ts';
import type { MemberResult, PhaseResult } from './results.ts';

/** Distributive Omit, so each event variant keeps its own fields. */
type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;
export type Emit = (event: WithoutAt<RunEvent>) => void;

/** Opens the repository side for a member; called at most once per member, only when used. */
export interface ArtifactFactory {
  sink?(member: MemberPlan): ArtifactSink | Promise<ArtifactSink>;
  source?(member: MemberPlan): ArtifactSource | Promise<ArtifactSource>;
}

export interface MemberRunOptions {
  readonly registry: FunctionRegistry;
  readonly artifacts: ArtifactFactory;
  readonly signal: AbortSignal;
  readonly emit: Emit;
  readonly backoff: BackoffOptions;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
  /** How long a function that ignores its abort signal gets to stop. */
  readonly graceMs: number;
}

function toLifeboatError(error: unknown): LifeboatError {
  if (error instanceof LifeboatError) return error;
  if (error instanceof Error) return new LifeboatError(error.message, { cause: error });
  return new LifeboatError(String(error));
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function lazy<T>(open: () => T | Promise<T>): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () => (opened ??= Promise.resolve().then(open));
}

/**
 * Run one member's steps and defer phase; never throws: failures are in the result.
 * `cut` carries the handle bag holding the snapshot an application-consistent cut pinned
 * for this member (exposed to templates as `backup.snapshot`).
 */
export async function runMember(
  plan: Plan,
  member: MemberPlan,
  options: MemberRunOptions,
  cut?: { readonly handles: HandleBag; readonly snapshot: string },
): Promise<MemberResult> {
  const name = member.workload.name;
  const started = options.now();
  const handles = cut?.handles ?? createHandleBag();
  const backupInfo = cut ? { ...member.backup, snapshot: cut.snapshot } : member.backup;
  const phases: Record<string, PhaseRecord> = {};
  const results: PhaseResult[] = [];
  let bytes = 0;
  let rows = 0;
  let failure: LifeboatError | undefined;
  let deferError: LifeboatError | undefined;
  let cancelled = false;

  const artifacts: MemberArtifacts = {
    sink: lazy(() => {
      if (!options.artifacts.sink)
        throw new UsageError(`action ${plan.action} has no artifact sink for ${name}`);
      return options.artifacts.sink(member);
    }),
    source: lazy(() => {
      if (!options.artifacts.source)
        throw new UsageError(`action ${plan.action} has no artifact source for ${name}`);
      return options.artifacts.source(member);
    }),
  };
  const errorContext = (step: PlanStep) => ({
    phase: step.name,
    action: plan.action,
    app: plan.application.name,
    workload: name,
    blueprint: member.blueprint.name,
  });

  options.emit({
    type: 'member.start',
    member: name,
    engine: member.workload.engine,
    strategy: member.strategy,
  });

  const runStep = async (step: PlanStep, defer: boolean): Promise<PhaseStatus> => {
    const fn = options.registry.get(step.func);
    const nullOutputs = Object.fromEntries((fn?.outputs ?? []).map((key) => [key, null]));
    const stepStarted = options.now();
    let attempts = 0;
    const finish = (
      status: PhaseStatus,
      output: Readonly<Record<string, unknown>>,
      error?: LifeboatError,
    ) => {
      phases[step.name] = {
        status: status === 'succeeded' ? 'succeeded' : status === 'skipped' ? 'skipped' : 'failed',
        output,
      };
      const durationMs = options.now() - stepStarted;
      results.push({
        name: step.name,
        func: step.func,
        defer,
        status,
        attempts,
        durationMs,
        output,
        ...(error && { error }),
      });
      options.emit({
        type: 'phase.end',
        member: name,
        phase: step.name,
        status,
        attempts,
        durationMs,
        defer,
        ...(error && { error: error.message }),
      });
      return status;
    };
    const fail = (error: unknown): PhaseStatus => {
      const wrapped = new PhaseError(error, { ...errorContext(step), func: step.func, attempts });
      if (defer) {
        if (failure) deferError = wrapped;
        else failure = wrapped;
      } else {
        failure = wrapped;
      }
      return finish('failed', nullOutputs, wrapped);
    };

    // Defer phases ignore the run's cancellation: they are the cleanup it must still do.
    const runSignal = defer ? new AbortController().signal : options.signal;
    if (runSignal.aborted) return finish('cancelled', nullOutputs);
    if (!fn) return fail(new UsageError(`unknown function ${step.func}`));

    const where = { blueprint: member.blueprint.name, phase: step.name, action: plan.action };
    let args: unknown;
    try {
      const context = buildTemplateContext({
        workload: member.workload,
        application: plan.application,
        backup: backupInfo,
        options: plan.options,
        phases,
      });
      if (step.if !== undefined && !evaluateCondition(step.if, context, where))
        return finish('skipped', nullOutputs);
      args = renderValue(step.args, context, { ...where, field: 'args' });
    } catch (error) {
      return fail(error);
    }

    for (;;) {
      attempts++;
      options.emit({
        type: 'phase.start',
        member: name,
        phase: step.name,
        func: step.func,
        attempt: attempts,
        defer,
      });
      const timeout = step.timeoutMs === undefined ? undefined : AbortSignal.timeout(step.timeoutMs);
      const signal = timeout ? AbortSignal.any([runSignal, timeout]) : runSignal;
      const progress: ProgressSink = {
        bytes: (n) => {
          bytes += n;
          options.emit({ type: 'progress', member: name, phase: step.name, bytes: n, rows: 0 });
        },
        rows: (n) => {
          rows += n;
          options.emit({ type: 'progress', member: name, phase: step.name, bytes: 0, rows: n });
        },
        estimate: (estimate) => {
          options.emit({ type: 'progress', member: name, phase: step.name, bytes: 0, rows: 0, estimate });
        },
      };
      const ctx: FunctionContext = {
        workload: member.workload,
        artifacts,
        signal,
        progress,
        handles,
        where: {
          app: plan.application.name,
          phase: step.name,
          action: plan.action,
          blueprint: member.blueprint.name,
        },
      };
      let error: unknown;
      try {
        const output = await abortable(fn.exec(args, ctx), signal, options.graceMs);
        return finish('succeeded', output);
      } catch (caught) {
        error = caught;
      }
      // Re-read through a call: the signal may have aborted while we awaited.
      if (isAborted(runSignal)) {
        cancelled = true;
        failure ??= new CancelledError(`${member.workload.name}: cancelled during phase "${step.name}"`, {
          ...errorContext(step),
          cause: error,
        });
        return finish('cancelled', nullOutputs, failure);
      }
      const timedOut = timeout?.aborted === true;
      const reason = timedOut
        ? new LifeboatError(`timed out after ${formatDuration(step.timeoutMs ?? 0)}`, {
            retryable: true,
            cause: error,
          })
        : toLifeboatError(error);
      if (!reason.retryable || attempts > step.retries) return fail(reason);
      const delayMs = backoffDelay(attempts, options.backoff, options.random);
      options.emit({
        type: 'phase.retry',
        member: name,
        phase: step.name,
        attempt: attempts,
        delayMs,
        error: reason.message,
      });
      try {
        await options.sleep(delayMs, runSignal);
      } catch {
        cancelled = true;
        failure ??= new CancelledError(
          `${name}: cancelled while waiting to retry phase "${step.name}"`,
          errorContext(step),
        );
        return finish('cancelled', nullOutputs, failure);
      }
    }
  };

  for (const step of member.steps) {
    if (failure) {
      // After a failure the remaining phases do not run; record them as skipped.
      const fn = options.registry.get(step.func);
      const output = Object.fromEntries((fn?.outputs ?? []).map((key) => [key, null]));
      phases[step.name] = { status: 'skipped', output };
      results.push({
        name: step.name,
        func: step.func,
        defer: false,
        status: cancelled ? 'cancelled' : 'skipped',
        attempts: 0,
        durationMs: 0,
        output,
      });
      continue;
    }
    if (options.signal.aborted) {
      cancelled = true;
      failure = new CancelledError(`${name}: cancelled before phase "${step.name}"`, {
        ...errorContext(step),
        cause: options.signal.reason,
      });
    }
    await runStep(step, false);
  }
  if (member.defer) await runStep(member.defer, true);

  // The cut's snapshot has served its dump: release it (it is expected to be held).
  if (cut) {
    try {
      await handles.release(cut.snapshot);
    } catch (error) {
      options.emit({
        type: 'warning',
        member: name,
        message: `releasing the cut snapshot failed: ${toLifeboatError(error).message}`,
      });
    }
  }

  // Safety net: anything still held (a fence the blueprint never thawed, a snapshot it
  // never released) is released here, so a faulty blueprint cannot leave a database frozen.
  for (const id of handles.held()) {
    options.emit({ type: 'warning', member: name, message: `releasing ${id}, which no phase released` });
    try {
      await handles.release(id);
    } catch (error) {
      options.emit({
        type: 'warning',
        member: name,
        message: `releasing ${id} failed: ${toLifeboatError(error).message}`,
      });
    }
  }

  const status: MemberStatus = cancelled ? 'cancelled' : failure ? 'failed' : 'succeeded';
  const durationMs = options.now() - started;
  options.emit({
    type: 'member.end',
    member: name,
    status,
    durationMs,
    ...(failure && { error: failure.message }),
  });
  return {
    member: name,
    engine: member.workload.engine,
    strategy: member.strategy,
    status,
    durationMs,
    phases: results,
    outputs: Object.fromEntries(results.map((r) => [r.name, r.output])),
    bytes,
    rows,
    ...(member.guarantee !== undefined && { guarantee: member.guarantee }),
    ...(failure && { error: failure }),
    ...(deferError && { deferError }),
  };
}
