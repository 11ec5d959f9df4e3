/**
 * One resource's watch loop: a paginated initial list (a consistent snapshot: every page
 * carries the first page's resourceVersion), then a watch from that version, with the
 * cache kept by `@kubernetes/client-node`'s ListWatch. Its watch reconnects on its own
 * (and relists on 410 Gone); a failed list or a broken watch is restarted here with
 * exponential backoff. `resync` hands every cached object to the handlers again, so a
 * missed event or a failed reconcile never leaves an object stuck.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals and spreads are what its docs use. */
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import { cacheTrimOf } from './cache-trim.ts';
import type { Logger } from './logger.ts';
import { collectionPath, resourceName, apiVersionOf, type ResourceRef } from './resources.ts';
import type { KubeObject, ObjectCache, ObjectKey } from './types.ts';

export type InformerEvent = 'add' | 'update' | 'delete' | 'resync';

export interface InformerOptions {
  readonly pageSize: number;
  readonly resyncMs: number;
  readonly log: Logger;
}

interface ListedPage {
  items: KubeObject[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

/** One page of a list; custom resources without client-side model conversion. */
function pageLister(
  kc: KubeConfig,
  ref: ResourceRef,
  namespace: string | undefined,
): (limit: number, token: string | undefined) => Promise<ListedPage> {
  if (ref.group) {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const base = { group: ref.group, version: ref.version, plural: ref.plural };
    return async (limit, token) => {
      const page = token ? { limit, _continue: token } : { limit };
      return (await (namespace && ref.namespaced
        ? custom.listNamespacedCustomObject({ ...base, namespace, ...page })
        : custom.listClusterCustomObject({ ...base, ...page }))) as ListedPage;
    };
  }
  const objects = KubernetesObjectApi.makeApiClient(kc);
  return async (limit, token) =>
    await objects.list(
      apiVersionOf(ref),
      ref.kind,
      ref.namespaced ? namespace : undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      limit,
      token,
    );
}

/** All pages as one list whose resourceVersion the watch starts from. */
async function listAll(
  list: (limit: number, token: string | undefined) => Promise<ListedPage>,
  pageSize: number,
  trim: (o: KubeObject) => void,
): Promise<KubernetesListObject<KubeObject & { metadata: NonNullable<KubeObject['metadata']> }>> {
  const items: KubeObject[] = [];
  let token: string | undefined;
  let resourceVersion = '';
  do {
    const page = await list(pageSize, token);
    for (const item of page.items) {
      // Only what the controller reads is cached (cache-trim.ts).
      trim(item);
      items.push(item);
    }
    resourceVersion ||= page.metadata?.resourceVersion ?? '';
    token = page.metadata?._continue || page.metadata?.continue || undefined;
  } while (token);
  return {
    items: items as (KubeObject & { metadata: NonNullable<KubeObject['metadata']> })[],
    metadata: { resourceVersion },
  };
}

export const keyOf = (o: KubeObject): ObjectKey => ({
  namespace: o.metadata?.namespace ?? '',
  name: o.metadata?.name ?? '',
});

/** The watch loop of one resource over one namespace (or all). */
export class Informer implements ObjectCache {
  readonly resource: ResourceRef;
  readonly namespace: string | undefined;
  readonly #listWatch: ListWatch<KubeObject & { metadata: NonNullable<KubeObject['metadata']> }>;
  readonly #handlers: ((event: InformerEvent, object: KubeObject) => void)[] = [];
  readonly #options: InformerOptions;
  #synced = false;
  #syncedWaiters: (() => void)[] = [];
  #stopped = false;
  #failures = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;

  constructor(
    kc: KubeConfig,
    resource: ResourceRef,
    namespace: string | undefined,
    options: InformerOptions,
  ) {
    this.resource = resource;
    this.namespace = namespace;
    this.#options = options;
    const list = pageLister(kc, resource, namespace);
    const trim = cacheTrimOf(resource);
    this.#listWatch = new ListWatch(
      collectionPath(resource, namespace),
      new Watch(kc),
      () =>
        listAll(list, options.pageSize, trim).then((result) => {
          // ListWatch fills its cache right after this resolves: synced from the next turn on.
          setImmediate(() => {
            this.#markSynced();
          });
          return result;
        }),
      false,
    );
    // The cache holds these very objects: trimming watched ones too keeps it small.
    this.#listWatch.on('add', (o) => {
      trim(o);
      this.#emit('add', o);
    });
    this.#listWatch.on('update', (o) => {
      trim(o);
      this.#emit('update', o);
    });
    this.#listWatch.on('delete', (o) => {
      this.#emit('delete', o);
    });
    this.#listWatch.on('error', (error: unknown) => {
      this.#restart(error);
    });
  }

  /** Called for every add/update/delete and, every `resyncMs`, for every cached object. */
  onEvent(handler: (event: InformerEvent, object: KubeObject) => void): void {
    this.#handlers.push(handler);
  }

  /** Start listing and watching; resolves once the initial list is cached. */
  async start(): Promise<void> {
    void this.#startListWatch();
    this.#resyncTimer = setInterval(() => {
      this.resync();
    }, this.#options.resyncMs);
    this.#resyncTimer.unref();
    await this.synced();
  }

  /** Resolves once the initial list is in the cache. */
  synced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncedWaiters.push(resolve));
  }

  get isSynced(): boolean {
    return this.#synced;
  }

  /** Hand every cached object to the handlers again. */
  resync(): void {
    for (const o of this.#listWatch.list()) this.#emit('resync', o);
  }

  get(key: ObjectKey): KubeObject | undefined {
    return this.#listWatch.get(key.name, key.namespace || undefined);
  }

  list(namespace?: string): readonly KubeObject[] {
    return this.#listWatch.list(namespace);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    if (this.#resyncTimer) clearInterval(this.#resyncTimer);
    await this.#listWatch.stop();
  }

  async #startListWatch(): Promise<void> {
    try {
      await this.#listWatch.start();
    } catch (error) {
      this.#restart(error);
    }
  }

  #markSynced(): void {
    this.#failures = 0;
    if (this.#synced) return;
    this.#synced = true;
    for (const resolve of this.#syncedWaiters.splice(0)) resolve();
  }

  #emit(event: InformerEvent, object: KubeObject): void {
    for (const handler of this.#handlers) {
      try {
        handler(event, object);
      } catch (error) {
        this.#options.log.error('informer handler failed', { resource: resourceName(this.resource), error });
      }
    }
  }

  #restart(error: unknown): void {
    if (this.#stopped || this.#restartTimer) return;
    this.#failures++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.#failures - 1, 6));
    this.#options.log.warn('watch failed; restarting', {
      resource: resourceName(this.resource),
      namespace: this.namespace ?? '*',
      retryInMs: delay,
      error: describe(error),
    });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#stopped) void this.#startListWatch();
    }, delay);
    this.#restartTimer.unref();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.slice(0, 300);
  return String(error).slice(0, 300);
}
