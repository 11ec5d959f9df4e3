/**
 * Run ONE action (Backup, Restore or Drill CR) to completion in this process, through
 * the controller's own action reconciler: the same claim (phase Running, `runner`), the
 * same run, the same outcome, Events and status. This is what `lifeboat run-action` does
 * inside an action Job, so a Job and the in-process controller behave identically.
 *
 * The reconciler reads objects from informer caches; here a one-shot cache holds what a
 * single action needs, read once with GETs (the action, the Repository CRs and Blueprints
 * of its namespace). No watch, no Lease: the controller that created the Job leads.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { createKubeClient, KubeError } from '../../kube/index.ts';
import { kubeSystemUidReader, resolveClusterIdentity } from '../../kube/cluster-identity.ts';
import { parseRepository } from '../../kube/api/v1alpha1/index.ts';
import { loadEngineSetup, type EngineSetup } from '../../runs/index.ts';
import { ActionFailure } from '../action-failure.ts';
import { actionReconciler, type ActionServices } from '../action-reconciler.ts';
import { backupHandler } from '../backup-action.ts';
import { CustomObjects } from '../custom-objects.ts';
import { drillHandler } from '../drill-action.ts';
import { kubeEventRecorder } from '../events.ts';
import type { Logger } from '../logger.ts';
import { combineObservers, type ActionObserver } from '../observer.ts';
import { openRepositoryOf } from '../repository-access.ts';
import { RESOURCES, resourceName, type ResourceRef } from '../resources.ts';
import { restoreHandler } from '../restore-action.ts';
import type { KubeObject, ObjectCache, ReconcileContext } from '../types.ts';
import { actionJobName, type ActionKind } from './job-spec.ts';

export interface RunActionOptions {
  readonly kubeConfig: KubeConfig;
  readonly kind: ActionKind;
  readonly namespace: string;
  readonly name: string;
  /** @default LIFEBOAT_CLUSTER, else kube-system's UID, else `default` */
  readonly clusterName?: string;
  /** `status.runner.identity`. @default `job/<the action's Job name>` */
  readonly identity?: string;
  readonly signal?: AbortSignal;
  readonly logger: Logger;
  readonly observers?: readonly ActionObserver[];
  readonly blueprintFiles?: readonly string[];
}

export interface RunActionResult {
  /** The action's phase afterwards (`Succeeded`, `Failed`; `Pending` if it could not be claimed). */
  readonly phase: string;
  readonly message: string | undefined;
}

const RESOURCE_OF: Record<ActionKind, ResourceRef> = {
  Backup: RESOURCES.backups,
  Restore: RESOURCES.restores,
  Drill: RESOURCES.drills,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `read` with a few retries on what client-go retries too: 429 (the API server asks to
 * come back, e.g. while a CRD's storage re-initialises), 5xx and network errors.
 */
async function withRetries<T>(read: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const code = error instanceof ApiException ? error.code : error instanceof KubeError ? error.status : 0;
      const retryable = code === 0 || code === 429 || code >= 500;
      if (!retryable || attempt >= attempts) throw error;
      await sleep(Math.min(1000 * attempt, 5000));
    }
  }
}

/** A fixed snapshot of objects as an ObjectCache. */
function snapshotCache(items: readonly KubeObject[]): ObjectCache {
  return {
    get: (key) => items.find((o) => o.metadata?.namespace === key.namespace && o.metadata.name === key.name),
    list: (namespace) =>
      namespace === undefined ? items : items.filter((o) => o.metadata?.namespace === namespace),
  };
}

/** The runner identity a Job's action gets: the controller tells its Job's runs apart by it. */
export function jobRunnerIdentity(kind: ActionKind, name: string): string {
  return `job/${actionJobName(kind, name)}`;
}

/** Run the action and return its final phase. @throws KubeError when the API cannot be reached */
export async function runActionOnce(options: RunActionOptions): Promise<RunActionResult> {
  const { kubeConfig: kc, kind, namespace, name, logger: log } = options;
  const identity = options.identity ?? jobRunnerIdentity(kind, name);
  const resolved = await resolveClusterIdentity({
    ...(options.clusterName !== undefined && { flag: options.clusterName }),
    kubeSystemUid: kubeSystemUidReader(kc),
  });
  if (resolved.problem) log.warn(`cluster identity: ${resolved.problem}; using "${resolved.name}"`);
  const cluster = resolved.name;
  const objects = new CustomObjects(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const listIn = async (ref: ResourceRef): Promise<KubeObject[]> => {
    const list = (await withRetries(() =>
      custom.listNamespacedCustomObject({
        group: ref.group,
        version: ref.version,
        namespace,
        plural: ref.plural,
      }),
    )) as { items?: KubeObject[] };
    return list.items ?? [];
  };
  const resource = RESOURCE_OF[kind];
  const action = await withRetries(() => objects.get(resource, { namespace, name }));
  if (!action) throw new ActionFailure('NotFound', `${kind} ${namespace}/${name} does not exist`);
  const [repositories, blueprints] = await Promise.all([
    listIn(RESOURCES.repositories),
    listIn(RESOURCES.blueprints),
  ]);
  const caches = new Map<string, ObjectCache>([
    [resourceName(resource), snapshotCache([action])],
    [resourceName(RESOURCES.repositories), snapshotCache(repositories)],
    [resourceName(RESOURCES.blueprints), snapshotCache(blueprints)],
  ]);
  const cache = <T extends KubeObject = KubeObject>(ref: ResourceRef): ObjectCache<T> => {
    const found = caches.get(resourceName(ref));
    if (!found) throw new Error(`run-action: ${resourceName(ref)} is not available`);
    return found as ObjectCache<T>;
  };

  const kube = createKubeClient({ kubeConfig: kc });
  let setup: Promise<EngineSetup> | undefined;
  const services: ActionServices = {
    objects,
    kube,
    setup: () => (setup ??= loadEngineSetup(options.blueprintFiles ?? [])),
    openRepository: async (ns, repoName) => {
      const object = cache(RESOURCES.repositories).get({ namespace: ns, name: repoName });
      if (!object)
        throw new ActionFailure('RepositoryNotFound', `Repository ${repoName} not found in namespace ${ns}`);
      let repo;
      try {
        repo = parseRepository(object);
      } catch (error) {
        throw new ActionFailure('InvalidRepository', (error as Error).message, { cause: error });
      }
      return openRepositoryOf(kube, repo, ns);
    },
    progressIntervalMs: 1000,
    concurrency: 1,
    inFlight: new Set(),
  };
  const handler =
    kind === 'Backup'
      ? actionReconciler(
          backupHandler(() => cache(RESOURCES.blueprints)),
          services,
        )
      : kind === 'Restore'
        ? actionReconciler(restoreHandler(), services)
        : actionReconciler(drillHandler(), services);

  const ctx: ReconcileContext = {
    kubeConfig: kc,
    identity,
    cluster,
    namespaces: [namespace],
    cache,
    isLeader: () => true,
    events: kubeEventRecorder(kc, identity, log),
    observer: combineObservers(options.observers ?? [], (error) => {
      log.warn('an action observer failed', { error });
    }),
    log,
    signal: options.signal ?? new AbortController().signal,
  };
  await handler.reconcile({ namespace, name }, ctx);
  const after = await objects.get(resource, { namespace, name });
  const status = after?.status as { phase?: string; message?: string } | undefined;
  return { phase: status?.phase ?? 'Pending', message: status?.message };
}
