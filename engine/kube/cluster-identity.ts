/**
 * Which cluster this is, for repositories several clusters share: `--cluster-name`, else
 * `LIFEBOAT_CLUSTER`, else the UID of namespace `kube-system` (stable for a cluster's
 * life, unique across clusters, readable with a plain `get namespaces` grant), else
 * `default` when that cannot be read. Recorded as `cluster` in manifests and Backup status.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../errors.ts';

export const CLUSTER_ENV = 'LIFEBOAT_CLUSTER';
export const DEFAULT_CLUSTER = 'default';

export interface ClusterIdentity {
  readonly name: string;
  /** Where the name came from, for the controller's start-up log. */
  readonly from: 'flag' | 'env' | 'kube-system' | 'default';
  /** Why the kube-system UID was not used, when it was not readable. */
  readonly problem?: string;
}

export interface ClusterIdentitySources {
  /** `--cluster-name`. */
  readonly flag?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the UID of namespace `kube-system`; undefined or throwing means unreadable. */
  readonly kubeSystemUid?: () => Promise<string | undefined>;
}

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** A cluster name as given by a person: checked, since it ends up in manifests and label values. */
export function checkClusterName(value: string, where: string): string {
  if (!NAME.test(value)) {
    throw new UsageError(
      `${where}: cluster name "${value}" must be 1-63 letters, digits, '.', '_' or '-', starting and ending alphanumeric`,
    );
  }
  return value;
}

export async function resolveClusterIdentity(sources: ClusterIdentitySources): Promise<ClusterIdentity> {
  if (sources.flag !== undefined)
    return { name: checkClusterName(sources.flag, '--cluster-name'), from: 'flag' };
  const fromEnv = (sources.env ?? process.env)[CLUSTER_ENV];
  if (fromEnv !== undefined && fromEnv !== '')
    return { name: checkClusterName(fromEnv, CLUSTER_ENV), from: 'env' };
  if (!sources.kubeSystemUid) return { name: DEFAULT_CLUSTER, from: 'default', problem: 'no cluster to ask' };
  try {
    const uid = await sources.kubeSystemUid();
    if (uid) return { name: uid, from: 'kube-system' };
    return { name: DEFAULT_CLUSTER, from: 'default', problem: 'namespace kube-system has no uid' };
  } catch (error) {
    return {
      name: DEFAULT_CLUSTER,
      from: 'default',
      problem: `cannot read namespace kube-system: ${(error as Error).message}`,
    };
  }
}

/** The `kubeSystemUid` source over a kubeconfig (one GET of namespace kube-system). */
export function kubeSystemUidReader(kc: KubeConfig): () => Promise<string | undefined> {
  return async () => {
    // loaded here, not at import: CLI commands that only check a name stay light
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' });
    return ns.metadata?.uid;
  };
}
