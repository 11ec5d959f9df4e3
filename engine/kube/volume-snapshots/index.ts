/** CSI volume snapshots of a workload's PVCs (freeze-snapshot capture) and PVCs restored from them. */
export {
  volumeSnapshotApi,
  SNAPSHOT_GROUP,
  type VolumeSnapshotApi,
  type VolumeSnapshotObject,
  type VolumeSnapshotClassObject,
} from './api.ts';
export { chooseSnapshotClass, SNAPSHOT_CLASS_ANNOTATION } from './choose-class.ts';
export {
  cut,
  resolveTargets,
  snapshotName,
  VolumeSnapshotError,
  type SnapshotRecord,
  type SnapshotTarget,
  type VolumeSnapshotSet,
} from './take.ts';
export { createRestorePvc, restorePvcManifest, type RestorePvcInput } from './restore-pvc.ts';
export { restoreVolumes, type PvcPlacement, type RestoredVolume } from './restore-volumes.ts';
