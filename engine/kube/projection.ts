/**
 * Projections (pure): the parts of each listed object that recognition reads
 * (`recognise.ts`, `endpoints.ts`, `credentials.ts`), copied out of the API's answer page
 * by page, so a cluster-wide list keeps a few hundred bytes per object instead of the
 * whole object (status, probes, resources, managedFields, a `last-applied-configuration`
 * copy of the object). A field recognition starts reading must be added here too: the
 * projection test compares recognition of full and projected objects.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; the API returns exactly such data. */
import type {
  V1Container,
  V1Deployment,
  V1EndpointSlice,
  V1Endpoints,
  V1EnvVar,
  V1ObjectMeta,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodTemplateSpec,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { ListedKind, ListedKinds } from './kube-client.ts';

/** Annotations nothing here reads that can be as large as the object itself. */
const BULKY_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** Keep only the defined values (an absent field stays absent, as the API leaves it). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function annotationsOf(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) if (!BULKY_ANNOTATIONS.has(k)) out[k] = v;
  return out;
}

function meta(m: V1ObjectMeta | undefined, withAnnotations = false): V1ObjectMeta | undefined {
  if (!m) return undefined;
  return defined({
    name: m.name,
    namespace: m.namespace,
    labels: m.labels,
    annotations: withAnnotations ? annotationsOf(m.annotations) : undefined,
  });
}

function envVar(e: V1EnvVar): V1EnvVar {
  const ref = e.valueFrom?.secretKeyRef;
  return defined({
    name: e.name,
    value: e.value,
    // Only a Secret reference is read (a credential source); other sources are left out.
    valueFrom: ref ? { secretKeyRef: defined({ name: ref.name, key: ref.key }) } : undefined,
  });
}

function container(c: V1Container): V1Container {
  return defined({
    name: c.name,
    image: c.image,
    ports: c.ports?.map((p) => defined({ name: p.name, containerPort: p.containerPort })),
    env: c.env?.map(envVar),
  });
}

function podTemplate(t: V1PodTemplateSpec): V1PodTemplateSpec {
  const spec = t.spec;
  return defined({
    metadata: t.metadata?.labels ? { labels: t.metadata.labels } : undefined,
    spec: spec
      ? defined({
          containers: spec.containers.map(container),
          volumes: spec.volumes
            ?.filter((v) => v.persistentVolumeClaim?.claimName)
            .map((v) => ({ name: v.name, persistentVolumeClaim: v.persistentVolumeClaim })),
        })
      : undefined,
  });
}

function statefulSet(s: V1StatefulSet): V1StatefulSet {
  const spec = s.spec;
  return defined({
    metadata: meta(s.metadata, true),
    spec: spec
      ? defined({
          replicas: spec.replicas,
          selector: spec.selector,
          serviceName: spec.serviceName,
          template: podTemplate(spec.template),
          volumeClaimTemplates: spec.volumeClaimTemplates?.map((t) => ({
            metadata: t.metadata?.name !== undefined ? { name: t.metadata.name } : {},
          })),
        })
      : undefined,
  });
}

function deployment(d: V1Deployment): V1Deployment {
  const spec = d.spec;
  return defined({
    metadata: meta(d.metadata, true),
    spec: spec
      ? defined({ replicas: spec.replicas, selector: spec.selector, template: podTemplate(spec.template) })
      : undefined,
  });
}

function service(s: V1Service): V1Service {
  const spec = s.spec;
  return defined({
    metadata: meta(s.metadata),
    spec: spec
      ? defined({
          selector: spec.selector,
          clusterIP: spec.clusterIP,
          type: spec.type,
          externalName: spec.externalName,
          ports: spec.ports?.map((p) => defined({ name: p.name, port: p.port, targetPort: p.targetPort })),
        })
      : undefined,
  });
}

function pod(p: V1Pod): V1Pod {
  return defined({ metadata: meta(p.metadata) });
}

function endpointSlice(s: V1EndpointSlice): V1EndpointSlice {
  return defined({
    addressType: s.addressType,
    metadata: meta(s.metadata),
    ports: s.ports?.map((p) => defined({ name: p.name, port: p.port })),
    endpoints: s.endpoints?.map((e) =>
      defined({
        addresses: e.addresses,
        conditions: e.conditions?.ready !== undefined ? { ready: e.conditions.ready } : undefined,
      }),
    ),
  });
}

function endpoints(e: V1Endpoints): V1Endpoints {
  return defined({
    metadata: meta(e.metadata),
    subsets: e.subsets?.map((s) =>
      defined({
        addresses: s.addresses?.map((a) => ({ ip: a.ip })),
        ports: s.ports?.map((p) => defined({ name: p.name, port: p.port })),
      }),
    ),
  });
}

function pvc(p: V1PersistentVolumeClaim): V1PersistentVolumeClaim {
  return defined({ metadata: meta(p.metadata) });
}

/** What discovery keeps of each listed object, per kind. */
export const DISCOVERY_PROJECTIONS: { readonly [K in ListedKind]: (o: ListedKinds[K]) => ListedKinds[K] } = {
  statefulsets: statefulSet,
  deployments: deployment,
  services: service,
  pods: pod,
  endpointslices: endpointSlice,
  endpoints,
  persistentvolumeclaims: pvc,
};
