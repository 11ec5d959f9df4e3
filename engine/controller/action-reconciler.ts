/**
 * The life cycle every action (Backup, Restore, Drill) shares, and what makes it run
 * exactly once across controller restarts:
 *
 * - `Pending` → **claim**: one status patch setting `phase: Running` and `runner` that
 *   carries the resourceVersion the decision was made on. Of two instances (or a stale
 *   cache) at most one claim succeeds; the loser gets 409 and drops it.
 * - run in-process; progress goes to the status at most once per interval.
 * - **finish**: the outcome is written only while the object is still `Running` by this
 *   instance (re-read, then a conditional patch).
 * - `Running` but not run by this process (it crashed, was killed, or lost the Lease) →
 *   `Failed`, reason `ControllerRestarted`. It is never run again: a new CR runs it anew.
 *   The repository guarantees an interrupted backup never becomes visible.
 * - `Succeeded`/`Failed`: nothing, ever again.
 *
 * Only the Lease holder reconciles, so "not run by this process" means "nobody runs it".
 */
import type { RunEvent } from '../executor/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { conditionsWith, rfc3339, type Condition } from '../kube/api/v1alpha1/index.ts';
import { ProgressTracker } from '../progress/index.ts';
import type { Repository } from '../repository/index.ts';
import type { EngineSetup } from '../runs/index.ts';
import { ActionFailure } from './action-failure.ts';
import { StatusConflict, type CustomObjects } from './custom-objects.ts';
import type { EventTarget } from './events.ts';
import type { Logger } from './logger.ts';
import type { ActionFinished, ActionKind, ActionMember } from './observer.ts';
import { apiVersionOf, type ResourceRef } from './resources.ts';
import type { KubeObject, ObjectKey, ReconcileContext, Reconciler } from './types.ts';

/** The fields of an action object the life cycle reads. */
export interface ActionObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string | undefined;
    readonly uid?: string | undefined;
    readonly generation?: number | undefined;
    readonly resourceVersion?: string | undefined;
  };
  readonly spec: { readonly repository: string };
  readonly status?:
    | {
        readonly phase?: string | undefined;
        readonly runner?: { readonly identity: string; readonly startedAt: string } | undefined;
        readonly startedAt?: string | undefined;
        readonly conditions?: readonly Condition[] | undefined;
      }
    | undefined;
}

/** What an action's `run` may use. */
export interface ActionRun {
  /** Aborted on shutdown or loss of leadership: stop and return. */
  readonly signal: AbortSignal;
  readonly cluster: string;
  readonly kube: KubeClient;
  readonly setup: EngineSetup;
  readonly log: Logger;
  /** The Repository CR `spec.repository` of the action's own namespace, opened. @throws ActionFailure */
  openRepository(): Promise<Repository>;
  /** The application, once known (for observers). */
  setApplication(name: string): void;
  /** Executor events: progress is aggregated and reported (status, observers) at most once per interval. */
  readonly onEvent: (event: RunEvent) => void;
  /** An Event on another object (e.g. the target workload); never throws. */
  event(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ActionOutcome {
  readonly result: 'Succeeded' | 'Failed';
  /** CamelCase condition reason. */
  readonly reason: string;
  readonly message: string;
  /** Kind-specific status fields (merged into the final status). */
  readonly status: Readonly<Record<string, unknown>>;
  readonly bytes: number;
  readonly freezeWindowMs?: number;
  readonly backupId?: string;
  readonly manifest?: ActionFinished['manifest'];
  readonly members: readonly ActionMember[];
  readonly drill?: ActionFinished['drill'];
}

export interface ActionKindHandler<O extends ActionObject> {
  readonly kind: ActionKind;
  readonly resource: ResourceRef;
  /** Validate the object. @throws an error naming the invalid field */
  parse(object: unknown): O;
  /** The application, when the spec names it. */
  applicationOf(object: O): string | undefined;
  /** Whether the status has a `progress` field (Backup). */
  readonly reportsProgress: boolean;
  /** What an interruption leaves behind, for the ControllerRestarted message. */
  readonly interruptedNote: string;
  /** Run the action. Throw ActionFailure (reason + message) or return a Failed outcome. */
  run(object: O, run: ActionRun): Promise<ActionOutcome>;
}

export interface ActionServices {
  readonly objects: CustomObjects;
  readonly kube: KubeClient;
  readonly setup: () => Promise<EngineSetup>;
  readonly openRepository: (namespace: string, name: string) => Promise<Repository>;
  readonly progressIntervalMs: number;
  readonly concurrency: number;
  /** uids of actions this process runs right now (shared by all action kinds). */
  readonly inFlight: Set<string>;
}

type Status = Record<string, unknown>;

const phaseOf = (o: KubeObject | undefined): string =>
  ((o?.status as { phase?: string } | undefined)?.phase ?? '') || 'Pending';

function conditions(
  existing: readonly Condition[] | undefined,
  now: Date,
  generation: number | undefined,
  set: readonly [type: Condition['type'], status: Condition['status'], reason: string, message: string][],
): Condition[] {
  let out = [...(existing ?? [])];
  for (const [type, status, reason, message] of set)
    out = conditionsWith(
      out,
      { type, status, reason, message, ...(generation !== undefined && { observedGeneration: generation }) },
      now,
    );
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The reconciler of one action kind. */
export function actionReconciler<O extends ActionObject>(
  handler: ActionKindHandler<O>,
  services: ActionServices,
): Reconciler {
  const { objects, inFlight } = services;
  const resource = handler.resource;
  const targetOf = (o: KubeObject): EventTarget => ({
    apiVersion: apiVersionOf(resource),
    kind: handler.kind,
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
    ...(o.metadata?.uid ? { uid: o.metadata.uid } : {}),
  });

  /** A terminal status in one conditional patch; false when the object changed meanwhile. */
  async function writeTerminal(
    key: ObjectKey,
    current: KubeObject,
    phase: 'Succeeded' | 'Failed',
    reason: string,
    fullMessage: string,
    extra: Status,
  ): Promise<boolean> {
    // Three copies go into the status (message + conditions): keep the object small.
    const message = fullMessage.length > 4000 ? `${fullMessage.slice(0, 3997)}...` : fullMessage;
    const now = new Date();
    const status = current.status as ActionObject['status'];
    const generation = current.metadata?.generation;
    const failed = phase === 'Failed';
    const body: Status = {
      ...extra,
      phase,
      completedAt: rfc3339(now),
      message,
      observedGeneration: generation,
      conditions: conditions(status?.conditions, now, generation, [
        ['Ready', failed ? 'False' : 'True', reason, message],
        ['Progressing', 'False', reason, message],
        ['Failed', failed ? 'True' : 'False', reason, message],
      ]),
    };
    try {
      await objects.patchStatus(resource, key, body, current.metadata?.resourceVersion);
      return true;
    } catch (error) {
      if (error instanceof StatusConflict) return false;
      throw error;
    }
  }

  function finished(
    ctx: ReconcileContext,
    o: KubeObject,
    application: string | undefined,
    startedAt: Date,
    outcome: Pick<ActionOutcome, 'result' | 'reason' | 'message'> & Partial<ActionOutcome>,
  ): void {
    const completedAt = new Date();
    ctx.observer.onActionFinished({
      kind: handler.kind,
      namespace: o.metadata?.namespace ?? '',
      name: o.metadata?.name ?? '',
      uid: o.metadata?.uid ?? '',
      application,
      repository: (o.spec as { repository?: string } | undefined)?.repository ?? '',
      cluster: ctx.cluster,
      result: outcome.result,
      reason: outcome.reason,
      message: outcome.message,
      startedAt,
      completedAt,
      durationSeconds: (completedAt.getTime() - startedAt.getTime()) / 1000,
      bytes: outcome.bytes ?? 0,
      freezeWindowMs: outcome.freezeWindowMs,
      backupId: outcome.backupId,
      members: outcome.members ?? [],
      ...(outcome.manifest && { manifest: outcome.manifest }),
      ...(outcome.drill && { drill: outcome.drill }),
    });
  }

  /** `Running`, but nobody runs it: fail it for good (never run twice). */
  async function failOrphan(key: ObjectKey, ctx: ReconcileContext): Promise<void> {
    const fresh = await objects.get(resource, key);
    if (!fresh || phaseOf(fresh) !== 'Running' || inFlight.has(fresh.metadata?.uid ?? '')) return;
    const status = fresh.status as ActionObject['status'];
    const runner = status?.runner;
    const message = `controller instance ${runner?.identity ?? '(unknown)'} stopped while running this ${handler.kind} (started ${runner?.startedAt ?? status?.startedAt ?? 'at an unknown time'}); it is not retried: ${handler.interruptedNote} Create a new ${handler.kind} to run it again.`;
    if (!(await writeTerminal(key, fresh, 'Failed', 'ControllerRestarted', message, {}))) return;
    ctx.log.warn('action interrupted by a controller restart marked failed', {
      kind: handler.kind,
      namespace: key.namespace,
      name: key.name,
      runner: runner?.identity,
    });
    await ctx.events.record(targetOf(fresh), 'Warning', 'ControllerRestarted', message);
    const startedAt = new Date(runner?.startedAt ?? status?.startedAt ?? Date.now());
    let application: string | undefined;
    try {
      application = handler.applicationOf(handler.parse(fresh));
    } catch {
      application = undefined;
    }
    finished(ctx, fresh, application, startedAt, {
      result: 'Failed',
      reason: 'ControllerRestarted',
      message,
    });
  }

  async function runClaimed(
    key: ObjectKey,
    ctx: ReconcileContext,
    object: O,
    claimed: KubeObject,
    startedAt: Date,
  ): Promise<void> {
    const abort = new AbortController();
    const onStop = () => {
      abort.abort(ctx.signal.reason);
    };
    if (ctx.signal.aborted) abort.abort(ctx.signal.reason);
    else ctx.signal.addEventListener('abort', onStop, { once: true });
    let application = handler.applicationOf(object);
    const tracker = new ProgressTracker();
    let dirty = false;
    let patches: Promise<void> = Promise.resolve();
    const ref = () => ({
      kind: handler.kind,
      namespace: key.namespace,
      name: key.name,
      uid: claimed.metadata?.uid ?? '',
      application,
      repository: object.spec.repository,
      cluster: ctx.cluster,
    });
    const reportProgress = () => {
      if (!dirty) return;
      dirty = false;
      const members = tracker.snapshot(Date.now());
      const bytes = members.reduce((n, m) => n + m.bytes, 0);
      const rows = members.reduce((n, m) => n + m.rows, 0);
      const bytesPerSecond = members.reduce((n, m) => n + m.bytesPerSecond, 0);
      const etas = members.map((m) => m.etaSeconds).filter((e) => e !== undefined);
      const etaSeconds = etas.length > 0 ? Math.max(...etas) : undefined;
      ctx.observer.onProgress({ ...ref(), bytes, rows, bytesPerSecond, etaSeconds });
      if (!handler.reportsProgress) return;
      const progress = {
        bytes,
        rows,
        bytesPerSecond: Math.round(bytesPerSecond),
        ...(etaSeconds !== undefined && { etaSeconds: Math.round(etaSeconds) }),
        updatedAt: rfc3339(new Date()),
      };
      // Progress only touches `progress` (merge patch): it can never undo a terminal phase.
      patches = patches
        .then(() => objects.patchStatus(resource, key, { progress }))
        .then(
          () => undefined,
          (error: unknown) => {
            ctx.log.warn('cannot patch progress', { name: key.name, error: messageOf(error) });
          },
        );
    };
    const timer = setInterval(reportProgress, services.progressIntervalMs);
    const run: ActionRun = {
      signal: abort.signal,
      cluster: ctx.cluster,
      kube: services.kube,
      setup: await services.setup(),
      log: ctx.log,
      openRepository: () => services.openRepository(key.namespace, object.spec.repository),
      setApplication: (name) => {
        application = name;
      },
      onEvent: (event) => {
        tracker.update(event);
        if (event.type === 'progress') dirty = true;
      },
      event: (target, type, reason, message) => {
        void ctx.events.record(target, type, reason, message);
      },
    };

    let outcome: ActionOutcome;
    try {
      outcome = await handler.run(object, run);
    } catch (error) {
      const reason = error instanceof ActionFailure ? error.reason : `${handler.kind}Failed`;
      outcome = { result: 'Failed', reason, message: messageOf(error), status: {}, bytes: 0, members: [] };
    } finally {
      clearInterval(timer);
      ctx.signal.removeEventListener('abort', onStop);
    }
    if (abort.signal.aborted && outcome.result === 'Failed') {
      outcome = {
        ...outcome,
        reason: 'Interrupted',
        message: `this controller instance stopped (shutdown or lost leadership) while running the ${handler.kind}: ${handler.interruptedNote} (${outcome.message})`,
      };
    }
    reportProgress();
    await patches;

    // Write the outcome only while it is still ours and Running (re-read on conflict).
    let written = false;
    for (let attempt = 0; attempt < 5 && !written; attempt++) {
      const fresh = await objects.get(resource, key);
      const status = fresh?.status as ActionObject['status'];
      if (
        !fresh ||
        fresh.metadata?.uid !== claimed.metadata?.uid ||
        phaseOf(fresh) !== 'Running' ||
        status?.runner?.identity !== ctx.identity ||
        status.runner.startedAt !== rfc3339(startedAt)
      ) {
        ctx.log.warn('action was taken over or deleted before its outcome was written', {
          kind: handler.kind,
          namespace: key.namespace,
          name: key.name,
          result: outcome.result,
        });
        return;
      }
      written = await writeTerminal(
        key,
        fresh,
        outcome.result,
        outcome.reason,
        outcome.message,
        outcome.status,
      );
    }
    if (!written) throw new Error(`cannot write the outcome of ${handler.kind} ${key.namespace}/${key.name}`);
    ctx.log.info(`${handler.kind.toLowerCase()} ${outcome.result.toLowerCase()}`, {
      namespace: key.namespace,
      name: key.name,
      reason: outcome.reason,
      ...(outcome.result === 'Failed' && { message: outcome.message }),
    });
    await ctx.events.record(
      targetOf(claimed),
      outcome.result === 'Succeeded' ? 'Normal' : 'Warning',
      outcome.reason,
      outcome.message,
    );
    finished(ctx, claimed, application, startedAt, outcome);
  }

  return {
    name: resource.plural,
    resource,
    concurrency: services.concurrency,
    async reconcile(key, ctx) {
      const cached = ctx.cache(resource).get(key);
      if (!cached) return undefined;
      const uid = cached.metadata?.uid ?? '';
      if (inFlight.has(uid)) return undefined;
      const phase = phaseOf(cached);
      if (phase === 'Succeeded' || phase === 'Failed' || ctx.signal.aborted) return undefined;
      if (phase === 'Running') {
        await failOrphan(key, ctx);
        return undefined;
      }
      let object: O;
      try {
        object = handler.parse(cached);
      } catch (error) {
        // Invalid: fail it once, with the field named (no claim needed, nothing runs).
        const message = messageOf(error);
        if (await writeTerminal(key, cached, 'Failed', 'InvalidSpec', message, {}))
          await ctx.events.record(targetOf(cached), 'Warning', 'InvalidSpec', message);
        return undefined;
      }
      const now = new Date();
      const startedAt = rfc3339(now);
      const generation = cached.metadata?.generation;
      const message = `${handler.kind} running (controller ${ctx.identity})`;
      inFlight.add(uid);
      try {
        let claimed: KubeObject;
        try {
          claimed = await objects.patchStatus(
            resource,
            key,
            {
              phase: 'Running',
              runner: { identity: ctx.identity, startedAt },
              startedAt,
              message,
              observedGeneration: generation,
              conditions: conditions(object.status?.conditions, now, generation, [
                ['Ready', 'False', 'Running', message],
                ['Progressing', 'True', 'Running', message],
                ['Failed', 'False', 'Running', message],
              ]),
            },
            cached.metadata?.resourceVersion,
          );
        } catch (error) {
          // Changed since the cache saw it: its newer version is on its way to the queue.
          if (error instanceof StatusConflict) return undefined;
          throw error;
        }
        ctx.log.info(`${handler.kind.toLowerCase()} claimed`, { namespace: key.namespace, name: key.name });
        await ctx.events.record(targetOf(claimed), 'Normal', 'Started', message);
        ctx.observer.onActionStarted({
          kind: handler.kind,
          namespace: key.namespace,
          name: key.name,
          uid,
          application: handler.applicationOf(object),
          repository: object.spec.repository,
          cluster: ctx.cluster,
          startedAt: new Date(Date.parse(startedAt)),
        });
        await runClaimed(key, ctx, object, claimed, new Date(Date.parse(startedAt)));
      } finally {
        inFlight.delete(uid);
      }
      return undefined;
    },
  };
}
