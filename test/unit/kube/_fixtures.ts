/** Fixture builders for Kubernetes objects used by the discovery unit tests. */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; the API returns exactly such data. */
import type {
  V1Container,
  V1Deployment,
  V1EndpointSlice,
  V1EnvVar,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { NamespaceObjects } from '../../../engine/kube/index.ts';

class WorkloadBuilder<T extends V1StatefulSet | V1Deployment> {
  private readonly kind: 'StatefulSet' | 'Deployment';
  private readonly namespace: string;
  private readonly name: string;
  private containers: V1Container[] = [];
  private annotations: Record<string, string> = {};
  private labels: Record<string, string> = {};
  private replicas = 1;
  private claimTemplates: string[] = [];
  private serviceName: string | undefined;

  constructor(kind: 'StatefulSet' | 'Deployment', namespace: string, name: string) {
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
    if (kind === 'StatefulSet') this.serviceName = name;
  }
  withImage(image: string, port?: number): this {
    this.containers.push({
      name: `c${this.containers.length}`,
      image,
      ...(port ? { ports: [{ containerPort: port }] } : {}),
    });
    return this;
  }
  withEnv(...env: V1EnvVar[]): this {
    const c = this.containers[this.containers.length - 1];
    if (c) c.env = [...(c.env ?? []), ...env];
    return this;
  }
  withAnnotations(a: Record<string, string>): this {
    this.annotations = { ...this.annotations, ...a };
    return this;
  }
  withLabels(l: Record<string, string>): this {
    this.labels = { ...this.labels, ...l };
    return this;
  }
  withReplicas(n: number): this {
    this.replicas = n;
    return this;
  }
  withClaimTemplate(name: string): this {
    this.claimTemplates.push(name);
    return this;
  }
  withServiceName(name: string): this {
    this.serviceName = name;
    return this;
  }
  build(): T {
    const podLabels = { 'app.kubernetes.io/name': this.name };
    const spec = {
      replicas: this.replicas,
      selector: { matchLabels: podLabels },
      template: { metadata: { labels: podLabels }, spec: { containers: this.containers } },
      ...(this.kind === 'StatefulSet'
        ? {
            serviceName: this.serviceName,
            volumeClaimTemplates: this.claimTemplates.map((t) => ({ metadata: { name: t } })),
          }
        : {}),
    };
    return {
      apiVersion: 'apps/v1',
      kind: this.kind,
      metadata: {
        name: this.name,
        namespace: this.namespace,
        annotations: this.annotations,
        labels: this.labels,
      },
      spec,
    } as unknown as T;
  }
}

export const aStatefulSet = (ns: string, name: string) =>
  new WorkloadBuilder<V1StatefulSet>('StatefulSet', ns, name);
export const aDeployment = (ns: string, name: string) =>
  new WorkloadBuilder<V1Deployment>('Deployment', ns, name);

export const env = (name: string, value: string): V1EnvVar => ({ name, value });
export const envFromSecret = (name: string, secret: string, key: string): V1EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/** A Service selecting the pods of workload `selects` (or no selector with `undefined`). */
export function aService(
  ns: string,
  name: string,
  selects: string | undefined,
  port: number,
  options: { headless?: boolean; externalName?: string } = {},
): V1Service {
  return {
    metadata: { name, namespace: ns },
    spec: {
      ...(selects ? { selector: { 'app.kubernetes.io/name': selects } } : {}),
      ...(options.headless ? { clusterIP: 'None' } : {}),
      ...(options.externalName ? { type: 'ExternalName', externalName: options.externalName } : {}),
      ports: [{ port, targetPort: port }],
    },
  };
}

export function aPod(ns: string, name: string, owner: string, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/name': owner, ...labels } } };
}

export function anEndpointSlice(ns: string, service: string, ip: string, port: number): V1EndpointSlice {
  return {
    metadata: { name: `${service}-1`, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip] }],
    ports: [{ port }],
  };
}

export function aClaim(ns: string, name: string): V1PersistentVolumeClaim {
  return { metadata: { name, namespace: ns } };
}

export function objects(ns: string, parts: Partial<Omit<NamespaceObjects, 'namespace'>>): NamespaceObjects {
  return {
    namespace: ns,
    statefulSets: [],
    deployments: [],
    services: [],
    pods: [],
    endpointSlices: [],
    endpoints: [],
    pvcs: [],
    ...parts,
  };
}
