/**
 * The handle `kube.prepareVolumeSnapshots` puts in the member's HandleBag and the later
 * volume-snapshot phases share. Released (by the executor at the end of the action, or
 * by a failed phase) it deletes the snapshots unless `keep()` was called once they were
 * recorded: a failed backup leaves no VolumeSnapshot behind.
 */
import type {
  SnapshotTarget,
  VolumeSnapshotApi,
  VolumeSnapshotSet,
} from '../../kube/volume-snapshots/index.ts';

export const VOLUME_SNAPSHOTS_HANDLE = 'volume-snapshots';

export interface VolumeSnapshotsHandle {
  readonly api: VolumeSnapshotApi;
  readonly namespace: string;
  readonly targets: readonly SnapshotTarget[];
  set?: VolumeSnapshotSet;
  kept: boolean;
}

/** Delete the snapshots of `handle` unless kept (the handle's release). */
export async function discardUnlessKept(handle: VolumeSnapshotsHandle): Promise<void> {
  if (!handle.kept && handle.set) await handle.set.deleteAll();
}
