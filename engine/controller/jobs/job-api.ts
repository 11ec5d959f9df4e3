/**
 * Job side effects: create an action's Job (AlreadyExists is success: a second pass or a
 * second controller never starts the action twice), list the controller's Jobs
 * (paginated, by label), delete one with its pods, and a Runnable that cleans up.
 */
import { ApiException, BatchV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { KubeError } from '../../kube/index.ts';
import { RESOURCES } from '../resources.ts';
import type { ControllerContext, ReconcileContext, Runnable } from '../types.ts';
import { jobsToDelete, type JobDeletion } from './cleanup.ts';
import {
  ACTION_JOB_SELECTOR,
  buildActionJob,
  type ActionJobOptions,
  type ActionKind,
  type ActionRef,
} from './job-spec.ts';

function failure(what: string, error: unknown): KubeError {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
    return new KubeError(`kubernetes: ${what}: HTTP ${error.code}: ${body.slice(0, 300)}`, error.code, error);
  }
  return new KubeError(`kubernetes: ${what}: ${(error as Error).message}`, 0, error);
}

const codeOf = (error: unknown) => (error instanceof ApiException ? error.code : undefined);

export interface JobApi {
  /** Create the action's Job; `exists` when it is already there. */
  ensureActionJob(
    action: ActionRef,
    options: ActionJobOptions,
  ): Promise<{ job: V1Job; result: 'created' | 'exists' }>;
  /** The Job `namespace/name`, or undefined when it does not exist. */
  getJob(namespace: string, name: string): Promise<V1Job | undefined>;
  /** The controller's Jobs in `namespace` (all namespaces when undefined). */
  listActionJobs(namespace: string | undefined): Promise<V1Job[]>;
  /** Delete a Job and (in the background) its pods; already gone is fine. */
  deleteJob(namespace: string, name: string): Promise<void>;
}

/** A JobApi over `@kubernetes/client-node`. */
export function kubeJobApi(kc: KubeConfig, pageSize = 500): JobApi {
  const batch = kc.makeApiClient(BatchV1Api);
  return {
    async ensureActionJob(action, options) {
      const job = buildActionJob(action, options);
      try {
        return {
          job: await batch.createNamespacedJob({ namespace: action.namespace, body: job }),
          result: 'created',
        };
      } catch (error) {
        if (codeOf(error) === 409) return { job, result: 'exists' };
        throw failure(`create Job for ${action.kind} ${action.namespace}/${action.name}`, error);
      }
    },
    async getJob(namespace, name) {
      try {
        return await batch.readNamespacedJob({ namespace, name });
      } catch (error) {
        if (codeOf(error) === 404) return undefined;
        throw failure(`read Job ${namespace}/${name}`, error);
      }
    },
    async listActionJobs(namespace) {
      const items: V1Job[] = [];
      let token: string | undefined;
      do {
        const page = {
          labelSelector: ACTION_JOB_SELECTOR,
          limit: pageSize,
          ...(token ? { _continue: token } : {}),
        };
        try {
          const list = namespace
            ? await batch.listNamespacedJob({ namespace, ...page })
            : await batch.listJobForAllNamespaces(page);
          items.push(...list.items);
          token = list.metadata?._continue || undefined;
        } catch (error) {
          throw failure(`list Jobs in ${namespace ? `namespace ${namespace}` : 'all namespaces'}`, error);
        }
      } while (token);
      return items;
    },
    async deleteJob(namespace, name) {
      try {
        await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' });
      } catch (error) {
        if (codeOf(error) === 404) return;
        throw failure(`delete Job ${namespace}/${name}`, error);
      }
    },
  };
}

const ACTION_RESOURCES = {
  Backup: RESOURCES.backups,
  Restore: RESOURCES.restores,
  Drill: RESOURCES.drills,
} as const;

/** The uid of an action CR from the informer cache; a kind nobody caches counts as present. */
function ownerUidFromCache(ctx: ControllerContext) {
  return (kind: ActionKind, namespace: string, name: string): string | undefined => {
    try {
      return ctx.cache(ACTION_RESOURCES[kind]).get({ namespace, name })?.metadata?.uid;
    } catch {
      return undefined;
    }
  };
}

/**
 * One cleanup pass over `namespaces` (all when undefined): deletes the Jobs
 * `jobsToDelete` picks. Returns what was deleted and why.
 */
export async function cleanupActionJobs(
  api: JobApi,
  namespaces: readonly string[] | undefined,
  ownerUid: (kind: ActionKind, namespace: string, name: string) => string | undefined,
  now: Date,
): Promise<JobDeletion[]> {
  const deleted: JobDeletion[] = [];
  for (const namespace of namespaces && namespaces.length > 0 ? namespaces : [undefined]) {
    const jobs = await api.listActionJobs(namespace);
    for (const d of jobsToDelete(jobs, ownerUid, now)) {
      await api.deleteJob(d.namespace, d.name);
      deleted.push(d);
    }
  }
  return deleted;
}

export interface JobCleanupOptions {
  /** Between two passes. @default 60000 */
  readonly intervalMs?: number;
  /** @default the API through `ctx.kubeConfig` */
  readonly api?: JobApi;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** A Runnable (while leading) that deletes finished and orphaned action Jobs periodically. */
export function createJobCleanup(options: JobCleanupOptions = {}): Runnable {
  const intervalMs = options.intervalMs ?? 60_000;
  const clock = options.clock ?? (() => new Date());
  return {
    name: 'action-job-cleanup',
    async run(ctx: ReconcileContext) {
      const api = options.api ?? kubeJobApi(ctx.kubeConfig);
      while (!ctx.signal.aborted) {
        try {
          const deleted = await cleanupActionJobs(api, ctx.namespaces, ownerUidFromCache(ctx), clock());
          for (const d of deleted)
            ctx.log.info('deleted action Job', { job: `${d.namespace}/${d.name}`, reason: d.reason });
        } catch (error) {
          ctx.log.warn('action Job cleanup failed', { error: (error as Error).message });
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          ctx.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
    },
  };
}
