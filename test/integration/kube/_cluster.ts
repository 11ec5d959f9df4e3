/**
 * Helpers that create Kubernetes objects on the real test API server for the discovery
 * tests. Pods never run (no kubelet): objects are created as a controller would leave them.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  type V1Container,
  type V1EnvVar,
} from '@kubernetes/client-node';

export interface Cluster {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly discovery: DiscoveryV1Api;
}

export function connect(kubeconfig: string): Cluster {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
  };
}

export async function createNamespace(c: Cluster, name: string): Promise<void> {
  await c.core.createNamespace({ body: { metadata: { name } } });
}

export async function createSecret(
  c: Cluster,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await c.core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } });
}

export interface WorkloadSpec {
  readonly name: string;
  readonly image: string;
  readonly port: number;
  readonly env?: V1EnvVar[];
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly replicas?: number;
  readonly claimTemplates?: string[];
}

function podTemplate(spec: WorkloadSpec) {
  const container: V1Container = {
    name: 'db',
    image: spec.image,
    ports: [{ containerPort: spec.port, name: 'db' }],
    ...(spec.env ? { env: spec.env } : {}),
  };
  return {
    metadata: { labels: { 'app.kubernetes.io/name': spec.name } },
    spec: { containers: [container] },
  };
}

export async function createStatefulSet(c: Cluster, namespace: string, spec: WorkloadSpec): Promise<void> {
  await c.apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name: spec.name, annotations: spec.annotations ?? {}, labels: spec.labels ?? {} },
      spec: {
        replicas: spec.replicas ?? 1,
        serviceName: spec.name,
        selector: { matchLabels: { 'app.kubernetes.io/name': spec.name } },
        template: podTemplate(spec),
        volumeClaimTemplates: (spec.claimTemplates ?? []).map((t) => ({
          metadata: { name: t },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        })),
      },
    },
  });
}

export async function createDeployment(c: Cluster, namespace: string, spec: WorkloadSpec): Promise<void> {
  await c.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: spec.name, annotations: spec.annotations ?? {}, labels: spec.labels ?? {} },
      spec: {
        replicas: spec.replicas ?? 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': spec.name } },
        template: podTemplate(spec),
      },
    },
  });
}

/** A Service selecting workload `selects`' pods, or without selector when undefined. */
export async function createService(
  c: Cluster,
  namespace: string,
  name: string,
  selects: string | undefined,
  port: number,
  options: { headless?: boolean } = {},
): Promise<void> {
  await c.core.createNamespacedService({
    namespace,
    body: {
      metadata: { name },
      spec: {
        ...(selects ? { selector: { 'app.kubernetes.io/name': selects } } : {}),
        ...(options.headless ? { clusterIP: 'None' } : {}),
        ports: [{ name: 'db', port, targetPort: port }],
      },
    },
  });
}

/**
 * An EndpointSlice of a selector-less Service, as an operator wiring an external database
 * writes it. `FQDN` slices take host names (the API server refuses loopback IPs in `IPv4` ones).
 */
export async function createEndpointSlice(
  c: Cluster,
  namespace: string,
  service: string,
  address: string,
  port: number,
  addressType: 'IPv4' | 'FQDN' = 'IPv4',
): Promise<void> {
  await c.discovery.createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: { name: `${service}-manual`, labels: { 'kubernetes.io/service-name': service } },
      addressType,
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
      ports: [{ name: 'db', port, protocol: 'TCP' }],
    },
  });
}

/**
 * Application `shop`'s PostgreSQL as discovery sees it: Secret `orders-auth` holding
 * `server`'s credentials, StatefulSet `orders-db` annotated for `database`, and its
 * selector-less Service whose FQDN EndpointSlice reaches `server` on loopback (a real
 * cluster would name a DB host; the API server refuses loopback IPs in IPv4 slices).
 */
export async function createOrdersDb(
  c: Cluster,
  namespace: string,
  server: { port: number; user: string; password: string },
  database: string,
  options: { claimTemplates?: string[] } = {},
): Promise<void> {
  await createSecret(c, namespace, 'orders-auth', { username: server.user, password: server.password });
  await createStatefulSet(c, namespace, {
    name: 'orders-db',
    image: 'postgres:15',
    port: 5432,
    annotations: { 'lifeboat.dev/credentials': 'orders-auth', 'lifeboat.dev/databases': database },
    labels: { 'app.kubernetes.io/part-of': 'shop' },
    ...(options.claimTemplates ? { claimTemplates: options.claimTemplates } : {}),
  });
  await createService(c, namespace, 'orders-db', undefined, 5432);
  await createEndpointSlice(c, namespace, 'orders-db', '127.0.0.1', server.port, 'FQDN');
}

/** A Pod object (never scheduled) with the workload's labels plus `labels`. */
export async function createPod(
  c: Cluster,
  namespace: string,
  name: string,
  owner: string,
  image: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await c.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { 'app.kubernetes.io/name': owner, ...labels } },
      spec: { containers: [{ name: 'db', image }] },
    },
  });
}

export function secretEnv(name: string, secret: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

export function plainEnv(name: string, value: string): V1EnvVar {
  return { name, value };
}
