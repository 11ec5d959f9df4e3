/**
 * The API resources the controller lists and watches, by group/version/plural (no
 * schemas here: the Lifeboat kinds' schemas and names live in `engine/kube/api/`).
 */
import {
  ALL_RESOURCES,
  GROUP,
  VERSION,
  backupPolicyResource,
  backupResource,
  blueprintResource,
  drillResource,
  repositoryResource,
  restoreResource,
} from '../kube/api/v1alpha1/index.ts';

export interface ResourceRef {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const lifeboat = (descriptor: (typeof ALL_RESOURCES)[number]): ResourceRef => ({
  group: GROUP,
  version: VERSION,
  plural: descriptor.plural,
  kind: descriptor.kind,
  namespaced: true,
});

export const RESOURCES = {
  blueprints: lifeboat(blueprintResource),
  repositories: lifeboat(repositoryResource),
  backupPolicies: lifeboat(backupPolicyResource),
  backups: lifeboat(backupResource),
  restores: lifeboat(restoreResource),
  drills: lifeboat(drillResource),
  namespaces: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  statefulSets: {
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    kind: 'StatefulSet',
    namespaced: true,
  },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
} as const satisfies Record<string, ResourceRef>;

/** `apps/v1`, `v1`, `lifeboat.dev/v1alpha1`. */
export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/**
 * The collection's URL path: namespaced when `namespace` is given (and the kind is
 * namespaced), else cluster-wide.
 */
export function collectionPath(ref: ResourceRef, namespace?: string): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  return ref.namespaced && namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}`
    : `${base}/${ref.plural}`;
}

/** `backups.lifeboat.dev`, `statefulsets.apps`, `namespaces`. */
export function resourceName(ref: ResourceRef): string {
  return ref.group ? `${ref.plural}.${ref.group}` : ref.plural;
}
