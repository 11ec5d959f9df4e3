/**
 * Which pod and container of a workload a command should run in: the one named, else
 * the primary's pod (its StatefulSet pod DNS name, `<sts>-<n>.<svc>.<ns>.svc`), else a
 * Running pod of the owning StatefulSet/Deployment (one labelled primary first).
 */
import { ApiException, AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { UsageError } from '../errors.ts';
import type { Workload } from '../model/index.ts';
import { describeFailure } from './kube-client.ts';
import type { ExecTarget } from './pod-exec.ts';

export interface PodChoice {
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
}

/** The fields of a pod `pickRunningPod` reads. */
export interface PodLike {
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: unknown;
  };
  readonly status?: { readonly phase?: string };
}

const ROLE_LABELS = ['role', 'app.kubernetes.io/role', 'spilo-role'];

/** The pod of the primary endpoint when its host is a StatefulSet pod's DNS name. */
export function podFromPrimaryHost(workload: Pick<Workload, 'primary' | 'owner'>): string | undefined {
  const owner = workload.owner;
  if (owner?.kind !== 'StatefulSet') return undefined;
  const first = workload.primary.host.split('.')[0] ?? '';
  return new RegExp(`^${owner.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`).test(first)
    ? first
    : undefined;
}

/** A Running pod among `pods`: one labelled primary/master first, then by name. */
export function pickRunningPod<P extends PodLike>(pods: readonly P[]): P | undefined {
  const running = pods
    .filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const isPrimary = (p: P): boolean =>
    ROLE_LABELS.some((l) => ['primary', 'master'].includes(p.metadata?.labels?.[l] ?? ''));
  return running.find(isPrimary) ?? running[0];
}

async function podOfOwner(kc: KubeConfig, workload: Workload, namespace: string): Promise<string> {
  const owner = workload.owner;
  if (!owner || !['StatefulSet', 'Deployment'].includes(owner.kind))
    throw new UsageError(
      `kubeExec: cannot tell which pod runs workload ${workload.name} (no StatefulSet/Deployment owner); give \`pod\``,
    );
  const apps = kc.makeApiClient(AppsV1Api);
  let labels: Record<string, string> | undefined;
  try {
    const object =
      owner.kind === 'StatefulSet'
        ? await apps.readNamespacedStatefulSet({ namespace, name: owner.name })
        : await apps.readNamespacedDeployment({ namespace, name: owner.name });
    labels = object.spec?.selector.matchLabels;
  } catch (error) {
    throw describeFailure(`read ${owner.kind} ${namespace}/${owner.name}`, error);
  }
  if (!labels || Object.keys(labels).length === 0)
    throw new UsageError(
      `kubeExec: ${owner.kind} ${namespace}/${owner.name} selects pods by expressions only; give \`pod\``,
    );
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  let pods: V1Pod[];
  try {
    pods = (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector })).items;
  } catch (error) {
    throw describeFailure(`list pods of ${owner.kind} ${namespace}/${owner.name}`, error);
  }
  const pod = pickRunningPod(pods)?.metadata?.name;
  if (!pod)
    throw new UsageError(
      `kubeExec: ${owner.kind} ${namespace}/${owner.name} has no Running pod (${pods.length} pod(s) found)`,
      { retryable: true },
    );
  return pod;
}

/**
 * The pod and container to exec in, checked against the API: the pod exists and is
 * Running, the container is one of its containers (the first when none is named).
 */
export async function resolveExecTarget(
  kc: KubeConfig,
  workload: Workload,
  choice: PodChoice,
): Promise<ExecTarget> {
  const namespace = choice.namespace ?? workload.namespace ?? workload.owner?.namespace;
  if (!namespace)
    throw new UsageError(
      `kubeExec: workload ${workload.name} is not from Kubernetes (no namespace); give \`namespace\` and \`pod\``,
    );
  const name = choice.pod ?? podFromPrimaryHost(workload) ?? (await podOfOwner(kc, workload, namespace));
  let pod: V1Pod;
  try {
    pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace, name });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404)
      throw new UsageError(`kubeExec: pod ${namespace}/${name} does not exist`);
    throw describeFailure(`read pod ${namespace}/${name}`, error);
  }
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase !== 'Running')
    throw new UsageError(`kubeExec: pod ${namespace}/${name} is ${phase}, not Running`, { retryable: true });
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const container = choice.container ?? containers[0];
  if (container === undefined || !containers.includes(container))
    throw new UsageError(
      `kubeExec: pod ${namespace}/${name} has no container ${choice.container ?? ''}; it has: ${containers.join(', ')}`,
    );
  return { namespace, pod: name, container };
}
