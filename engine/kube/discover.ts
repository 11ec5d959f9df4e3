/**
 * Discovery: list the workloads and their surroundings from the API (paginated, one list
 * per kind, namespace- or cluster-wide), recognise databases, read only the Secrets they
 * reference, and group them into Applications. Secret values end up in the returned
 * Workloads only; nothing here logs or prints them.
 */
import type { SecretData } from './credentials.ts';
import { secretsOf } from './credentials.ts';
import { assembleWorkload, groupApplications, type DiscoveryResult } from './assemble.ts';
import type { KubeClient, ListedKind, ListedKinds } from './kube-client.ts';
import { KubeError } from './kube-client.ts';
import { DISCOVERY_PROJECTIONS } from './projection.ts';
import { recogniseNamespace, type NamespaceObjects, type RecognisedWorkload } from './recognise.ts';

export interface DiscoverOptions {
  /** One namespace; all namespaces when undefined. */
  readonly namespace?: string;
  /**
   * Read the referenced Secrets to fill in credentials. `false` leaves passwords out (the
   * references are still reported). @default true
   */
  readonly readSecrets?: boolean;
  /** Secrets read at once. @default 32 */
  readonly secretConcurrency?: number;
}

function namespaceOf(o: { metadata?: { namespace?: string } }): string {
  return o.metadata?.namespace ?? '';
}

function byNamespace<T extends { metadata?: { namespace?: string } }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const ns = namespaceOf(item);
    const list = map.get(ns);
    if (list) list.push(item);
    else map.set(ns, [item]);
  }
  return map;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Discover database workloads and group them into applications. @throws KubeError */
export async function discover(client: KubeClient, options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const ns = options.namespace;
  // Projected page by page: only what recognition reads is kept of each object.
  const list = <K extends ListedKind>(kind: K): Promise<ListedKinds[K][]> =>
    client.list(kind, ns, DISCOVERY_PROJECTIONS[kind]);
  // All kinds at once: each is a handful of paginated requests, latency dominates.
  const [statefulSets, deployments, services, pods, endpointSlices, endpoints, pvcs] = await Promise.all([
    list('statefulsets'),
    list('deployments'),
    list('services'),
    list('pods'),
    list('endpointslices'),
    list('endpoints'),
    list('persistentvolumeclaims'),
  ]);
  const groups = {
    statefulSets: byNamespace(statefulSets),
    deployments: byNamespace(deployments),
    services: byNamespace(services),
    pods: byNamespace(pods),
    endpointSlices: byNamespace(endpointSlices),
    endpoints: byNamespace(endpoints),
    pvcs: byNamespace(pvcs),
  };
  const namespaces = [...new Set([...groups.statefulSets.keys(), ...groups.deployments.keys()])].sort();
  const recognised: RecognisedWorkload[] = [];
  const skipped: DiscoveryResult['skipped'][number][] = [];
  for (const namespace of namespaces) {
    const objects: NamespaceObjects = {
      namespace,
      statefulSets: groups.statefulSets.get(namespace) ?? [],
      deployments: groups.deployments.get(namespace) ?? [],
      services: groups.services.get(namespace) ?? [],
      pods: groups.pods.get(namespace) ?? [],
      endpointSlices: groups.endpointSlices.get(namespace) ?? [],
      endpoints: groups.endpoints.get(namespace) ?? [],
      pvcs: groups.pvcs.get(namespace) ?? [],
    };
    const r = recogniseNamespace(objects);
    recognised.push(...r.recognised);
    skipped.push(...r.skipped);
  }

  const secretsByNs = new Map<string, Map<string, Readonly<Record<string, string>> | undefined>>();
  const problemsByNs = new Map<string, string[]>();
  if (options.readSecrets ?? true) {
    const wanted = [
      ...new Set(recognised.flatMap((r) => secretsOf(r.credentials).map((s) => `${r.namespace}/${s}`))),
    ];
    await mapLimit(wanted, options.secretConcurrency ?? 32, async (key) => {
      const [namespace = '', name = ''] = key.split('/');
      const map =
        secretsByNs.get(namespace) ?? new Map<string, Readonly<Record<string, string>> | undefined>();
      secretsByNs.set(namespace, map);
      try {
        map.set(name, await client.readSecret(namespace, name));
      } catch (error) {
        // Unreadable (e.g. forbidden): leave it unread and report it on the workloads using it.
        if (!(error instanceof KubeError)) throw error;
        problemsByNs.set(namespace, [...(problemsByNs.get(namespace) ?? []), error.message]);
      }
    });
  }
  const discovered = recognised.map((r) => {
    const secrets: SecretData = secretsByNs.get(r.namespace) ?? new Map();
    const d = assembleWorkload(r, secrets);
    const used = new Set(secretsOf(r.credentials));
    const extra = (problemsByNs.get(r.namespace) ?? []).filter((p) =>
      [...used].some((s) => p.includes(`/${s}:`)),
    );
    return extra.length > 0 ? { ...d, problems: [...d.problems, ...extra] } : d;
  });
  return { applications: groupApplications(discovered), skipped };
}
