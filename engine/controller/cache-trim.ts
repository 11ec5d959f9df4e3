/**
 * What the informer caches keep of each object (pure, in place: the cache holds the very
 * object a list page or watch event delivered). Every object loses its server-side apply
 * bookkeeping and the `last-applied-configuration` annotation (a full copy of the object).
 * Workloads are cached by the thousand but read only to classify them (`classifyWorkload`:
 * labels, annotations, container images), so their pod template is cut down to that and
 * their status dropped. Lifeboat's own kinds keep spec and status. Secrets are never
 * watched: they are read when an action needs them.
 */
import { resourceName, RESOURCES, type ResourceRef } from './resources.ts';
import type { KubeObject } from './types.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface WorkloadSpec {
  replicas?: number;
  selector?: unknown;
  serviceName?: string;
  template?: {
    metadata?: { labels?: Record<string, string> };
    spec?: { containers?: { name?: string; image?: string }[] };
  };
}

function trimMetadata(o: KubeObject): void {
  const meta = o.metadata;
  if (!meta) return;
  delete meta.managedFields;
  if (meta.annotations && LAST_APPLIED in meta.annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = meta.annotations;
    meta.annotations = rest;
  }
}

function trimWorkload(o: KubeObject): void {
  trimMetadata(o);
  const spec = o.spec as WorkloadSpec | undefined;
  delete o.status;
  if (!spec) return;
  const template = spec.template;
  o.spec = {
    ...(spec.replicas !== undefined && { replicas: spec.replicas }),
    ...(spec.selector !== undefined && { selector: spec.selector }),
    ...(spec.serviceName !== undefined && { serviceName: spec.serviceName }),
    template: {
      ...(template?.metadata?.labels && { metadata: { labels: template.metadata.labels } }),
      spec: {
        containers: (template?.spec?.containers ?? []).map((c) => ({
          ...(c.name !== undefined && { name: c.name }),
          ...(c.image !== undefined && { image: c.image }),
        })),
      },
    },
  } satisfies WorkloadSpec;
}

const WORKLOADS = new Set([resourceName(RESOURCES.statefulSets), resourceName(RESOURCES.deployments)]);

/** The in-place trim applied to every cached object of `resource`. */
export function cacheTrimOf(resource: ResourceRef): (o: KubeObject) => void {
  return WORKLOADS.has(resourceName(resource)) ? trimWorkload : trimMetadata;
}
