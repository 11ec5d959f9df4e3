/**
 * The API resources the controller lists and watches, by group/version/plural (no
 * schemas here: the Lifeboat kinds' schemas live in `engine/kube/api/`).
 */
import { API_GROUP, API_VERSION_NAME } from './api-names.ts';

export interface ResourceRef {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const lifeboat = (kind: string, plural: string): ResourceRef => ({
  group: API_GROUP,
  version: API_VERSION_NAME,
  plural,
  kind,
  namespaced: true,
});

export const RESOURCES = {
  blueprints: lifeboat('Blueprint', 'blueprints'),
  repositories: lifeboat('Repository', 'repositories'),
  backupPolicies: lifeboat('BackupPolicy', 'backuppolicies'),
  backups: lifeboat('Backup', 'backups'),
  restores: lifeboat('Restore', 'restores'),
  drills: lifeboat('Drill', 'drills'),
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
