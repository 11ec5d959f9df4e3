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
export { BACKUP_LABEL, MEMBER_LABEL, REPOSITORY_LABEL, labelValue, snapshotLabels } from './labels.ts';
export {
  collectVolumeSnapshots,
  planSnapshotCollection,
  DEFAULT_MIN_AGE_MS,
  type BackupLiveness,
  type SnapshotCollectionPlan,
  type SnapshotCollectionReport,
} from './gc.ts';
export { restoreVolumes, type PvcPlacement, type RestoredVolume } from './restore-volumes.ts';
