/**
 * Restoring a freeze-snapshot member's volumes: one PVC per recorded snapshot, in the
 * target namespace, named and classed by the restore mapping (restore-mapping.ts), with
 * `dataSource` naming a VolumeSnapshot in that namespace. A PVC can only use a snapshot of
 * its own namespace: when the target namespace differs from the recorded one, the snapshot
 * is first imported there, as Kubernetes documents for pre-provisioned snapshots: a
 * VolumeSnapshotContent with the recorded handle and `deletionPolicy: Retain` (deleting
 * the import never deletes the backup's snapshot) bound to a new VolumeSnapshot.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { labelValue } from './labels.ts';
import { UsageError } from '../../errors.ts';
import type { VolumeSnapshotApi } from './api.ts';
import { SNAPSHOT_GROUP, SNAPSHOT_VERSION } from './api.ts';
import { createRestorePvc } from './restore-pvc.ts';
import { VolumeSnapshotError, type SnapshotRecord } from './take.ts';

/** Where one recorded PVC goes (from the restore mapping's `pvcs`). */
export interface PvcPlacement {
  readonly source: string;
  readonly target: string;
  readonly storageClass?: string;
}

export interface RestoredVolume {
  readonly pvc: string;
  readonly namespace: string;
  readonly volumeSnapshot: string;
  /** True when the snapshot was imported into the target namespace. */
  readonly imported: boolean;
}

/**
 * Create the restoring PVCs. `readyTimeoutMs` bounds the wait for imported snapshots.
 * @throws UsageError when a recorded PVC has no placement; KubeError on API failures.
 */
export async function restoreVolumes(
  api: VolumeSnapshotApi,
  input: {
    readonly records: readonly SnapshotRecord[];
    readonly targetNamespace: string;
    readonly placements: readonly PvcPlacement[];
    readonly backupId: string;
    readonly readyTimeoutMs?: number;
    readonly signal?: AbortSignal;
  },
): Promise<RestoredVolume[]> {
  const out: RestoredVolume[] = [];
  for (const record of input.records) {
    const placement = input.placements.find((p) => p.source === record.pvc);
    if (!placement) throw new UsageError(`no restore target for PVC ${record.pvc}`);
    const sameNamespace = record.namespace === input.targetNamespace;
    const volumeSnapshot = sameNamespace
      ? record.volumeSnapshot
      : await importSnapshot(
          api,
          record,
          input.targetNamespace,
          input.readyTimeoutMs ?? 120_000,
          input.signal,
        );
    await createRestorePvc(api, {
      name: placement.target,
      namespace: input.targetNamespace,
      volumeSnapshot,
      ...(placement.storageClass && { storageClass: placement.storageClass }),
      ...((record.restoreSize ?? record.size) && { size: record.restoreSize ?? record.size }),
      labels: { 'lifeboat.dev/restored-from': labelValue(input.backupId) },
    });
    out.push({
      pvc: placement.target,
      namespace: input.targetNamespace,
      volumeSnapshot,
      imported: !sameNamespace,
    });
  }
  return out;
}

async function importSnapshot(
  api: VolumeSnapshotApi,
  record: SnapshotRecord,
  namespace: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (!record.snapshotHandle)
    throw new UsageError(`VolumeSnapshot ${record.volumeSnapshot} has no recorded handle`);
  const name = record.volumeSnapshot;
  const contentName = `${name}-${namespace}`.slice(0, 253).replace(/-+$/, '');
  await api.createContent({
    apiVersion: `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`,
    kind: 'VolumeSnapshotContent',
    metadata: { name: contentName },
    spec: {
      deletionPolicy: 'Retain',
      driver: record.driver,
      source: { snapshotHandle: record.snapshotHandle },
      volumeSnapshotClassName: record.snapshotClass,
      volumeSnapshotRef: { name, namespace },
    },
  });
  await api.createSnapshot(namespace, {
    apiVersion: `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`,
    kind: 'VolumeSnapshot',
    metadata: { name, namespace },
    spec: {
      volumeSnapshotClassName: record.snapshotClass,
      source: { volumeSnapshotContentName: contentName },
    },
  });
  const until = performance.now() + timeoutMs;
  for (;;) {
    const s = await api.getSnapshot(namespace, name);
    if (s?.status?.readyToUse === true) return name;
    if (s?.status?.error?.message)
      throw new VolumeSnapshotError(
        `importing VolumeSnapshot ${namespace}/${name} failed: ${s.status.error.message}`,
      );
    if (signal?.aborted)
      throw new VolumeSnapshotError(`importing VolumeSnapshot ${namespace}/${name} was cancelled`);
    if (performance.now() > until)
      throw new VolumeSnapshotError(
        `imported VolumeSnapshot ${namespace}/${name} not ready within ${timeoutMs} ms`,
      );
    await sleep(200);
  }
}
