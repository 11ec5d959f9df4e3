/**
 * `--execution job`: the action reconcilers hand each action to a Job instead of running
 * it in-process. The Job runs `lifeboat run-action`, which claims the CR (runner identity
 * `job/<job name>`) and runs it through the same reconciler code as the controller.
 *
 * Life cycle seen from the controller:
 * - `Pending` → create the Job (idempotent); if the Job already failed before claiming
 *   (image pull, scheduling, crash at start), fail the CR with reason `JobFailed`;
 * - `Running` by its Job → nothing while the Job lives; Job failed or gone → `Failed`
 *   (`JobFailed`): it is never retried (`backoffLimit: 0`), a new CR runs it anew;
 * - `Running` by anything else (an in-process controller that is gone) → `Failed`
 *   (`ControllerRestarted`);
 * - `Succeeded`/`Failed` → nothing (finished Jobs are cleaned up by `createJobCleanup`).
 */
import type { V1Job } from '@kubernetes/client-node';
import { conditionsWith, rfc3339, type Condition } from '../../kube/api/v1alpha1/index.ts';
import { StatusConflict, CustomObjects } from '../custom-objects.ts';
import { apiVersionOf, RESOURCES, type ResourceRef } from '../resources.ts';
import type { KubeObject, ObjectKey, ReconcileContext, Reconciler } from '../types.ts';
import { finishedAt } from './cleanup.ts';
import { kubeJobApi, type JobApi } from './job-api.ts';
import { actionJobName, type ActionJobOptions, type ActionKind } from './job-spec.ts';
import { jobRunnerIdentity } from './run-action.ts';

export type JobModeDecision =
  | { readonly do: 'nothing' }
  | { readonly do: 'create-job' }
  | { readonly do: 'watch-job' }
  | { readonly do: 'fail'; readonly reason: string; readonly message: string };

interface ActionStatus {
  phase?: string;
  runner?: { identity?: string; startedAt?: string };
  conditions?: Condition[];
}

/** Whether the Job has failed (its only pod failed, or it hit its deadline). */
function jobFailed(job: V1Job): string | undefined {
  const failed = (job.status?.conditions ?? []).find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return `${failed.reason ?? 'Failed'}: ${failed.message ?? 'the Job failed'}`;
  if ((job.status?.failed ?? 0) > 0) return 'its pod failed';
  return undefined;
}

/**
 * What to do with an action in Job mode (pure). `job` is the action's Job as read now
 * (undefined: none); `graceMs` is how long a finished Job may leave its CR Running
 * (the outcome patch is on its way) before the CR is failed.
 */
export function decideJobMode(
  kind: ActionKind,
  name: string,
  status: ActionStatus | undefined,
  job: V1Job | undefined,
  now: Date,
  graceMs = 60_000,
): JobModeDecision {
  const phase = status?.phase || 'Pending';
  if (phase === 'Succeeded' || phase === 'Failed') return { do: 'nothing' };
  const jobName = actionJobName(kind, name);
  if (phase === 'Pending') {
    if (!job) return { do: 'create-job' };
    const why = jobFailed(job);
    return why
      ? {
          do: 'fail',
          reason: 'JobFailed',
          message: `Job ${jobName} failed before it started the ${kind}: ${why}`,
        }
      : { do: 'watch-job' };
  }
  const runner = status?.runner?.identity;
  if (runner !== jobRunnerIdentity(kind, name)) {
    return {
      do: 'fail',
      reason: 'ControllerRestarted',
      message: `${runner ?? 'a controller instance'} stopped while running this ${kind}; it is not retried. Create a new ${kind} to run it again.`,
    };
  }
  if (!job) {
    return {
      do: 'fail',
      reason: 'JobFailed',
      message: `Job ${jobName} that ran this ${kind} is gone; it is not retried. Create a new ${kind} to run it again.`,
    };
  }
  const why = jobFailed(job);
  if (why)
    return {
      do: 'fail',
      reason: 'JobFailed',
      message: `Job ${jobName} failed while running the ${kind}: ${why}`,
    };
  const done = finishedAt(job);
  if (done && now.getTime() - done.getTime() > graceMs) {
    return {
      do: 'fail',
      reason: 'JobFailed',
      message: `Job ${jobName} finished without recording the outcome of the ${kind}`,
    };
  }
  return { do: 'watch-job' };
}

const RESOURCE_OF: Record<ActionKind, ResourceRef> = {
  Backup: RESOURCES.backups,
  Restore: RESOURCES.restores,
  Drill: RESOURCES.drills,
};

export interface JobModeOptions {
  readonly job: ActionJobOptions;
  /** How often a Pending/Running action's Job is looked at. @default 15000 */
  readonly checkIntervalMs?: number;
  /** @default the API through `ctx.kubeConfig` */
  readonly api?: JobApi;
}

/** The reconciler of one action kind in Job mode (replaces the in-process one, same name). */
export function jobModeReconciler(kind: ActionKind, options: JobModeOptions): Reconciler {
  const resource = RESOURCE_OF[kind];
  const interval = options.checkIntervalMs ?? 15_000;
  let api = options.api;
  let objects: CustomObjects | undefined;

  async function fail(
    ctx: ReconcileContext,
    key: ObjectKey,
    current: KubeObject,
    reason: string,
    message: string,
  ) {
    objects ??= new CustomObjects(ctx.kubeConfig);
    const now = new Date();
    const generation = current.metadata?.generation;
    let conditions = (current.status as ActionStatus | undefined)?.conditions ?? [];
    for (const [type, status] of [
      ['Ready', 'False'],
      ['Progressing', 'False'],
      ['Failed', 'True'],
    ] as const) {
      conditions = conditionsWith(
        conditions,
        {
          type,
          status,
          reason,
          message,
          ...(generation !== undefined && { observedGeneration: generation }),
        },
        now,
      );
    }
    try {
      await objects.patchStatus(
        resource,
        key,
        { phase: 'Failed', completedAt: rfc3339(now), message, conditions },
        current.metadata?.resourceVersion,
      );
    } catch (error) {
      if (error instanceof StatusConflict) return; // changed meanwhile: decided again on its next event
      throw error;
    }
    await ctx.events.record(
      {
        apiVersion: apiVersionOf(resource),
        kind,
        namespace: key.namespace,
        name: key.name,
        ...(current.metadata?.uid ? { uid: current.metadata.uid } : {}),
      },
      'Warning',
      reason,
      message,
    );
  }

  return {
    name: resource.plural,
    resource,
    async reconcile(key, ctx) {
      api ??= kubeJobApi(ctx.kubeConfig);
      const cached = ctx.cache(resource).get(key);
      if (!cached || ctx.signal.aborted) return undefined;
      const status = cached.status as ActionStatus | undefined;
      const phase = status?.phase || 'Pending';
      if (phase === 'Succeeded' || phase === 'Failed') return undefined;
      const job = await api.getJob(key.namespace, actionJobName(kind, key.name));
      const decision = decideJobMode(kind, key.name, status, job, new Date());
      switch (decision.do) {
        case 'nothing':
          return undefined;
        case 'create-job': {
          const created = await api.ensureActionJob(
            { kind, namespace: key.namespace, name: key.name, uid: cached.metadata?.uid ?? '' },
            options.job,
          );
          if (created.result === 'created') {
            await ctx.events.record(
              {
                apiVersion: apiVersionOf(resource),
                kind,
                namespace: key.namespace,
                name: key.name,
                ...(cached.metadata?.uid ? { uid: cached.metadata.uid } : {}),
              },
              'Normal',
              'JobCreated',
              `Job ${created.job.metadata?.name ?? ''} runs this ${kind}`,
            );
          }
          return { requeueAfterMs: interval };
        }
        case 'watch-job':
          return { requeueAfterMs: interval };
        case 'fail':
          await fail(ctx, key, cached, decision.reason, decision.message);
          return undefined;
      }
    },
  };
}

/** The three action reconcilers in Job mode. */
export function jobModeReconcilers(options: JobModeOptions): Reconciler[] {
  return (['Backup', 'Restore', 'Drill'] as const).map((kind) => jobModeReconciler(kind, options));
}
