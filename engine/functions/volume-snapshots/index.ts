/** Blueprint functions for CSI volume snapshots (freeze-snapshot capture). */
export { makePrepareVolumeSnapshotsFunction } from './prepare.ts';
export { snapshotVolumesFunction } from './snapshot.ts';
export { VOLUME_SNAPSHOTS_HANDLE, type VolumeSnapshotsHandle } from './handle.ts';
