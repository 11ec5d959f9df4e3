/**
 * The controller's extension contract: reconcilers (one primary resource, optional
 * secondary watches mapped to primary keys, like controller-runtime's `Watches`) and
 * runnables (anything that needs to run while this instance leads, e.g. a scheduler).
 * Backup/Restore/Drill reconcilers use the same contract as plugged-in ones.
 */
import type { KubeConfig, V1ObjectMeta } from '@kubernetes/client-node';
import type { EventRecorder } from './events.ts';
import type { Logger } from './logger.ts';
import type { ActionObserver } from './observer.ts';
import type { ResourceRef } from './resources.ts';

/** Any object as the API returns it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

/** Which object to reconcile; `namespace` is `''` for cluster-scoped ones. */
export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

/** Read access to a watched resource's informer cache (no API request). */
export interface ObjectCache<T extends KubeObject = KubeObject> {
  /** The cached object, or undefined (deleted, or not yet seen). */
  get(key: ObjectKey): T | undefined;
  /** Cached objects, of one namespace or of all watched namespaces. */
  list(namespace?: string): readonly T[];
}

export interface ControllerContext {
  readonly kubeConfig: KubeConfig;
  /** This instance's identity (Lease holder identity, `status.runner.identity`). */
  readonly identity: string;
  /** Cluster identity (`--cluster-name`, else kube-system's UID, else `default`). */
  readonly cluster: string;
  /** Watched namespaces; undefined = all namespaces. */
  readonly namespaces: readonly string[] | undefined;
  /**
   * The informer cache of a resource. Only resources some reconciler declares (as its
   * `resource` or in `watches`) or listed in `ControllerOptions.extraWatches` are cached.
   * @throws Error for a resource nobody declared.
   */
  cache<T extends KubeObject = KubeObject>(resource: ResourceRef): ObjectCache<T>;
  /** True while this instance holds the Lease (always true without leader election). */
  isLeader(): boolean;
  readonly events: EventRecorder;
  /** All observers, combined; never throws. */
  readonly observer: Required<ActionObserver>;
  readonly log: Logger;
}

export interface ReconcileContext extends ControllerContext {
  /** Aborted when this instance stops leading or shuts down: stop starting work, wind down. */
  readonly signal: AbortSignal;
}

export interface ReconcileResult {
  /** Reconcile this key again after that long (e.g. next schedule time). */
  readonly requeueAfterMs?: number;
}

/** A secondary resource whose changes enqueue keys of the primary one. */
export interface Watch {
  readonly resource: ResourceRef;
  /** The primary keys to reconcile when `object` is added, changed or deleted. */
  map(object: KubeObject, ctx: ControllerContext): readonly ObjectKey[];
}

export interface Reconciler {
  /** Unique; used in logs and as the work queue's name. */
  readonly name: string;
  readonly resource: ResourceRef;
  readonly watches?: readonly Watch[];
  /** Keys reconciled at once. @default 4 */
  readonly concurrency?: number;
  /**
   * Bring the world in line with the object at `key` (read it from `ctx.cache`; absent
   * means deleted). Must be idempotent: it runs again on every change, on resync and
   * after a restart. Called only while this instance leads. A throw is logged and the
   * key retried with backoff.
   */
  reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult | undefined>;
}

/** Something that runs while this instance leads (started on acquiring, stopped on losing). */
export interface Runnable {
  readonly name: string;
  /** Run until `ctx.signal` aborts; resolve once wound down. */
  run(ctx: ReconcileContext): Promise<void>;
}
