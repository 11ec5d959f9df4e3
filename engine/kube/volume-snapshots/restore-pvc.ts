/**
 * The PVC that restores a volume snapshot: `dataSource` names the VolumeSnapshot (in the
 * same namespace), the storage class is the recorded one after the restore's mapping.
 * `restorePvcManifest` is pure; the provisioner of the class does the copy.
 */
import type { VolumeSnapshotApi } from './api.ts';
import { SNAPSHOT_GROUP } from './api.ts';

export interface RestorePvcInput {
  readonly name: string;
  readonly namespace: string;
  readonly volumeSnapshot: string;
  readonly storageClass?: string;
  /** Requested size; at least the snapshot's restoreSize. @default '1Gi' */
  readonly size?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export function restorePvcManifest(input: RestorePvcInput): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: input.name, namespace: input.namespace, labels: { ...input.labels } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: input.size ?? '1Gi' } },
      ...(input.storageClass && { storageClassName: input.storageClass }),
      dataSource: { apiGroup: SNAPSHOT_GROUP, kind: 'VolumeSnapshot', name: input.volumeSnapshot },
    },
  };
}

/** Create the restoring PVC. @throws KubeError (e.g. 409 when a PVC of that name exists). */
export async function createRestorePvc(api: VolumeSnapshotApi, input: RestorePvcInput): Promise<void> {
  await api.createPvc(input.namespace, restorePvcManifest(input));
}
