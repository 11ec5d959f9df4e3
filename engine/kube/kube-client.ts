/**
 * The small Kubernetes surface discovery needs, behind an interface so the pure parts can
 * be tested without a cluster and the real one can be swapped (in-cluster, tests).
 * Every list is paginated (`limit` + `continue`): never one request per object.
 */
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Endpoints,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Service,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { LifeboatError } from '../errors.ts';
import { shareConnections } from './shared-connections.ts';
import { pageFetcher, type RawPage } from './list-pages.ts';

/** The object kinds discovery lists, with their item types. */
export interface ListedKinds {
  statefulsets: V1StatefulSet;
  deployments: V1Deployment;
  services: V1Service;
  pods: V1Pod;
  endpointslices: V1EndpointSlice;
  endpoints: V1Endpoints;
  persistentvolumeclaims: V1PersistentVolumeClaim;
}
export type ListedKind = keyof ListedKinds;

export interface KubeClient {
  /**
   * All objects of `kind` in `namespace` (all namespaces when undefined), page by page.
   * `project` is applied to each object as its page arrives, so only what it returns is
   * kept (see `projection.ts`); without it, objects are kept whole minus managedFields.
   */
  list<K extends ListedKind>(
    kind: K,
    namespace: string | undefined,
    project?: (item: ListedKinds[K]) => ListedKinds[K],
  ): Promise<ListedKinds[K][]>;
  /**
   * A Secret's decoded data; undefined when it does not exist.
   * @throws KubeError when it cannot be read (e.g. forbidden). Never includes values.
   */
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Requests sent so far (lists count one per page), for tests and benchmarks. */
  readonly requests: number;
  /** The current context's namespace (`default` when it names none). */
  readonly defaultNamespace: string;
}

/** A Kubernetes API call failed; `status` is the HTTP status (0 for network errors). */
export class KubeError extends LifeboatError {
  readonly status: number;
  constructor(message: string, status: number, cause: unknown) {
    super(message, { cause, retryable: status === 0 || status === 429 || status >= 500 });
    this.status = status;
  }
}

/** Where the client configuration comes from. */
export interface KubeConfigOptions {
  /** A kubeconfig file; otherwise `KUBECONFIG`, `~/.kube/config`, then in-cluster config. */
  readonly kubeconfig?: string;
  /** An already loaded configuration (the controller's); wins over `kubeconfig`. */
  readonly kubeConfig?: KubeConfig;
  /** Objects per list page. @default 500 */
  readonly pageSize?: number;
}

/** Load a kubeconfig as kubectl does (explicit file, KUBECONFIG, default file, in-cluster). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (error) {
    throw new LifeboatError(`cannot load kubeconfig ${path ?? '(default)'}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!kc.getCurrentCluster()) {
    throw new LifeboatError(`kubeconfig ${path ?? '(default)'} has no current cluster`);
  }
  // One connection pool for all requests, not a TLS handshake per request.
  return shareConnections(kc);
}

/** One line for a failed API call: what was tried, the HTTP status and the server's message. */
export function describeFailure(what: string, error: unknown): KubeError {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // not JSON: keep the raw body
    }
    return new KubeError(
      `kubernetes: ${what}: HTTP ${error.code}: ${message.slice(0, 300)}`,
      error.code,
      error,
    );
  }
  return new KubeError(`kubernetes: ${what}: ${(error as Error).message}`, 0, error);
}

/** A KubeClient over `@kubernetes/client-node`. */
export function createKubeClient(options: KubeConfigOptions = {}): KubeClient {
  const kc = options.kubeConfig ?? loadKubeConfig(options.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const fetchPage = pageFetcher(kc);
  const limit = options.pageSize ?? 500;
  let requests = 0;

  return {
    defaultNamespace: kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default',
    get requests() {
      return requests;
    },
    async list<K extends ListedKind>(
      kind: K,
      namespace: string | undefined,
      project?: (item: ListedKinds[K]) => ListedKinds[K],
    ): Promise<ListedKinds[K][]> {
      const items: ListedKinds[K][] = [];
      let token: string | undefined;
      do {
        requests++;
        let page: RawPage;
        try {
          page = await fetchPage(kind, namespace, limit, token);
        } catch (error) {
          throw describeFailure(
            `list ${kind} in ${namespace ? `namespace ${namespace}` : 'all namespaces'}`,
            error,
          );
        }
        // Plain API data (no model conversion): the model types describe it field for field.
        for (const item of page.items as ListedKinds[K][]) {
          if (project) {
            items.push(project(item));
            continue;
          }
          // Server-side apply bookkeeping is often the largest part of an object and never used here.
          const meta = (item as { metadata?: { managedFields?: unknown } }).metadata;
          if (meta) delete meta.managedFields;
          items.push(item);
        }
        token = page.metadata?.continue || undefined;
      } while (token);
      return items;
    },
    async readSecret(namespace, name) {
      requests++;
      try {
        const secret = await core.readNamespacedSecret({ namespace, name });
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(secret.data ?? {}))
          data[k] = Buffer.from(v, 'base64').toString('utf8');
        for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = v;
        return data;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw describeFailure(`read secret ${namespace}/${name}`, error);
      }
    },
  };
}
