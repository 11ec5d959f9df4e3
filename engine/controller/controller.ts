/**
 * `startController`: wires informers (one per resource and namespace), a work queue per
 * reconciler, leader election and the built-in Backup/Restore/Drill reconcilers, plus
 * whatever reconcilers, runnables and observers the caller adds.
 *
 * Start-up: every informer lists (paginated) and caches, then the instance campaigns for
 * the Lease. On becoming leader every cached object is queued (this is where actions left
 * `Running` by a dead instance are found and failed), queues start dispatching and
 * runnables start. On losing the Lease dispatching stops and `signal` aborts in-flight
 * work; the instance keeps campaigning. `stop()` (SIGTERM) aborts in-flight actions, waits
 * for them to record their outcome, releases the Lease and closes the watches.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseRepository } from '../kube/api/v1alpha1/index.ts';
import { kubeSystemUidReader, resolveClusterIdentity } from '../kube/cluster-identity.ts';
import { createKubeClient, loadKubeConfig } from '../kube/index.ts';
import { loadEngineSetup, type EngineSetup } from '../runs/index.ts';
import { ActionFailure } from './action-failure.ts';
import { actionReconciler, type ActionServices } from './action-reconciler.ts';
import { backupHandler } from './backup-action.ts';
import { CustomObjects } from './custom-objects.ts';
import { drillHandler } from './drill-action.ts';
import { kubeEventRecorder } from './events.ts';
import { Informer, keyOf } from './informer.ts';
import { LeaderElector } from './leader-election.ts';
import { jsonLogger } from './logger.ts';
import { combineObservers } from './observer.ts';
import type { ControllerOptions } from './options.ts';
import { openRepositoryOf } from './repository-access.ts';
import { RESOURCES, resourceName, type ResourceRef } from './resources.ts';
import { restoreHandler } from './restore-action.ts';
import { createJobCleanup, jobModeReconcilers } from './jobs/index.ts';
import { createPolicyReconciler } from './policy/index.ts';
import type {
  ControllerContext,
  KubeObject,
  ObjectCache,
  ObjectKey,
  ReconcileContext,
  Reconciler,
} from './types.ts';
import { WorkQueue } from './work-queue.ts';

export interface ControllerHandle {
  readonly identity: string;
  readonly cluster: string;
  isLeader(): boolean;
  /** Resolves once the initial lists of every informer are cached. */
  readonly synced: Promise<void>;
  /**
   * Resolves once this instance first leads and every queue has drained: each cached
   * object has been reconciled once (the first pass over the cluster). With number of keys.
   */
  readonly firstPass: Promise<{ readonly keys: number }>;
  /** Abort in-flight actions, wait (at most `graceMs`) for their outcome, release the Lease, close watches. */
  stop(graceMs?: number): Promise<void>;
}

const keyString = (k: ObjectKey): string => `${k.namespace}/${k.name}`;
function parseKey(s: string): ObjectKey {
  const i = s.indexOf('/');
  return { namespace: s.slice(0, i), name: s.slice(i + 1) };
}

/** Start the controller. Resolves once it is running (informers started, not necessarily synced). */
export async function startController(options: ControllerOptions = {}): Promise<ControllerHandle> {
  const log = options.logger ?? jsonLogger();
  const kc = options.kubeConfig ?? loadKubeConfig();
  const identity = options.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const resolved = await resolveClusterIdentity({
    ...(options.clusterName !== undefined && { flag: options.clusterName }),
    kubeSystemUid: kubeSystemUidReader(kc),
  });
  if (resolved.problem) log.warn(`cluster identity: ${resolved.problem}; using "${resolved.name}"`);
  const cluster = resolved.name;
  const namespaces =
    options.namespaces && options.namespaces.length > 0 ? [...options.namespaces] : undefined;
  const events = kubeEventRecorder(kc, identity, log);
  const observer = combineObservers(options.observers ?? [], (error) => {
    log.warn('an action observer failed', { error });
  });

  // Informers, created on demand per resource (one per watched namespace, or cluster-wide).
  const informers = new Map<string, Informer[]>();
  const informersOf = (ref: ResourceRef): Informer[] => {
    const id = resourceName(ref);
    let list = informers.get(id);
    if (!list) {
      const scopes = ref.namespaced && namespaces ? namespaces : [undefined];
      list = scopes.map(
        (ns) =>
          new Informer(kc, ref, ns, {
            pageSize: options.pageSize ?? 500,
            resyncMs: options.resyncMs ?? 300_000,
            log,
          }),
      );
      informers.set(id, list);
    }
    return list;
  };
  const cache = <T extends KubeObject = KubeObject>(ref: ResourceRef): ObjectCache<T> => {
    const list = informers.get(resourceName(ref));
    if (!list)
      throw new Error(
        `controller: ${resourceName(ref)} is not watched (declare it in a reconciler or extraWatches)`,
      );
    return {
      get: (key) => {
        for (const informer of list) {
          if (informer.namespace !== undefined && informer.namespace !== key.namespace) continue;
          const found = informer.get(key);
          if (found) return found as T;
        }
        return undefined;
      },
      list: (namespace) => list.flatMap((i) => i.list(namespace)) as T[],
    };
  };

  const elector =
    options.leaderElection === false
      ? undefined
      : new LeaderElector(
          kc,
          {
            namespace:
              options.leaderElection?.namespace ??
              kc.getContextObject(kc.getCurrentContext())?.namespace ??
              'default',
            leaseName: options.leaderElection?.leaseName ?? 'lifeboat-controller',
            identity,
            leaseDurationMs: options.leaderElection?.leaseDurationMs ?? 15_000,
            renewDeadlineMs: options.leaderElection?.renewDeadlineMs ?? 10_000,
            retryPeriodMs: options.leaderElection?.retryPeriodMs ?? 2_000,
          },
          log,
        );
  let leading = false;
  let leaderAbort = new AbortController();
  leaderAbort.abort('not leading');

  const base: ControllerContext = {
    kubeConfig: kc,
    identity,
    cluster,
    namespaces,
    cache,
    isLeader: () => leading,
    events,
    observer,
    log,
  };
  const reconcileContext = (): ReconcileContext => ({ ...base, signal: leaderAbort.signal });

  // Built-in action reconcilers.
  const kube = createKubeClient({ kubeConfig: kc, ...(options.pageSize && { pageSize: options.pageSize }) });
  let setup: Promise<EngineSetup> | undefined;
  const services: ActionServices = {
    objects: new CustomObjects(kc),
    kube,
    setup: () => (setup ??= loadEngineSetup(options.blueprintFiles ?? [])),
    openRepository: async (namespace, name) => {
      const object = cache(RESOURCES.repositories).get({ namespace, name });
      if (!object)
        throw new ActionFailure(
          'RepositoryNotFound',
          `Repository ${name} not found in namespace ${namespace}`,
        );
      let repo;
      try {
        repo = parseRepository(object);
      } catch (error) {
        throw new ActionFailure('InvalidRepository', (error as Error).message, { cause: error });
      }
      return openRepositoryOf(kube, repo, namespace);
    },
    progressIntervalMs: options.progressIntervalMs ?? 1000,
    concurrency: options.actionConcurrency ?? 2,
    inFlight: new Set(),
  };
  // Job mode: the action reconcilers hand actions to Jobs; a runnable cleans finished ones up.
  const jobMode = options.execution?.mode === 'job' ? options.execution : undefined;
  const runnableList = [
    ...(jobMode && !options.withoutBuiltinReconcilers
      ? [
          createJobCleanup(
            jobMode.cleanupIntervalMs === undefined ? {} : { intervalMs: jobMode.cleanupIntervalMs },
          ),
        ]
      : []),
    ...(options.runnables ?? []),
  ];
  const reconcilers: Reconciler[] = [
    ...(options.withoutBuiltinReconcilers
      ? []
      : [
          ...(jobMode
            ? jobModeReconcilers(jobMode)
            : [
                actionReconciler(
                  backupHandler(() => cache(RESOURCES.blueprints)),
                  services,
                ),
                actionReconciler(restoreHandler(), services),
                actionReconciler(drillHandler(), services),
              ]),
          ...(options.policy === false
            ? []
            : [
                createPolicyReconciler({
                  ...options.policy,
                  openRepository: (_ctx, namespace, name) => services.openRepository(namespace, name),
                }),
              ]),
        ]),
    ...(options.reconcilers ?? []),
  ];
  const names = new Set<string>();
  for (const r of reconcilers) {
    if (names.has(r.name)) throw new Error(`controller: two reconcilers are named "${r.name}"`);
    names.add(r.name);
  }
  if (!options.withoutBuiltinReconcilers) {
    informersOf(RESOURCES.repositories);
    informersOf(RESOURCES.blueprints);
  }
  for (const ref of options.extraWatches ?? []) informersOf(ref);

  const queues = reconcilers.map((reconciler) => {
    const queue = new WorkQueue(
      async (key) => (await reconciler.reconcile(parseKey(key), reconcileContext())) ?? undefined,
      { concurrency: reconciler.concurrency ?? 4 },
      (key, error, retryInMs) => {
        log.error('reconcile failed; retrying', {
          reconciler: reconciler.name,
          key,
          retryInMs,
          error: error instanceof Error ? error.message : String(error),
        });
      },
    );
    queue.pause();
    for (const informer of informersOf(reconciler.resource))
      informer.onEvent((_event, object) => {
        queue.add(keyString(keyOf(object)));
      });
    for (const watch of reconciler.watches ?? [])
      for (const informer of informersOf(watch.resource))
        informer.onEvent((_event, object) => {
          for (const key of watch.map(object, base)) queue.add(keyString(key));
        });
    return queue;
  });

  const runnables: Promise<void>[] = [];
  let stopping: Promise<void> | undefined;
  let firstPassDone: ((result: { keys: number }) => void) | undefined;
  const firstPass = new Promise<{ keys: number }>((resolve) => (firstPassDone = resolve));
  const startLeading = () => {
    if (stopping) return;
    leading = true;
    leaderAbort = new AbortController();
    // Everything again: actions left Running by a dead instance are found here.
    for (const list of informers.values()) for (const informer of list) informer.resync();
    const keys = queues.reduce((n, q) => n + q.length, 0);
    for (const q of queues) q.resume();
    if (firstPassDone) {
      const done = firstPassDone;
      firstPassDone = undefined;
      const poll = setInterval(() => {
        if (queues.some((q) => q.length > 0)) return;
        clearInterval(poll);
        log.info('first reconcile pass finished', { keys });
        done({ keys });
      }, 50);
      poll.unref();
    }
    const ctx = reconcileContext();
    for (const r of runnableList)
      runnables.push(
        r.run(ctx).catch((error: unknown) => {
          log.error('runnable failed', { runnable: r.name, error });
        }),
      );
  };
  const stopLeading = () => {
    leading = false;
    for (const q of queues) q.pause();
    leaderAbort.abort('lost leadership');
  };

  const all = [...informers.values()].flat();
  log.info('controller starting', {
    identity,
    cluster,
    namespaces: namespaces ?? 'all',
    resources: [...informers.keys()],
    leaderElection: elector !== undefined,
  });
  const synced = Promise.all(all.map((i) => i.start())).then(() => {
    log.info('caches synced', { objects: all.reduce((n, i) => n + i.list().length, 0) });
    if (elector) elector.start({ onStartedLeading: startLeading, onStoppedLeading: stopLeading });
    else startLeading();
  });

  return {
    identity,
    cluster,
    isLeader: () => leading,
    synced,
    firstPass,
    stop: (graceMs = 25_000) =>
      (stopping ??= (async () => {
        log.info('controller stopping', { identity });
        for (const q of queues) q.pause();
        leaderAbort.abort('shutdown');
        leading = false;
        const idle = Promise.all([...queues.map((q) => q.idle()), ...runnables]);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([idle, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
        if (elector) await elector.release();
        for (const q of queues) q.stop();
        await Promise.all(all.map((i) => i.stop()));
        log.info('controller stopped', { identity });
      })()),
  };
}
