/**
 * Labels on the VolumeSnapshots a backup takes: which backup and member they belong to,
 * and which repository holds that backup's manifest. The repository label is what lets
 * garbage collection (gc.ts) tell its own snapshots from another repository's.
 */
export const BACKUP_LABEL = 'lifeboat.dev/backup';
export const MEMBER_LABEL = 'lifeboat.dev/member';
export const REPOSITORY_LABEL = 'lifeboat.dev/repository';

/** A label value: at most 63 characters, trimmed of anything a label value cannot hold. */
function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function snapshotLabels(input: {
  readonly backupId: string;
  readonly member: string;
  readonly repository?: string;
}): Record<string, string> {
  return {
    [BACKUP_LABEL]: labelValue(input.backupId),
    [MEMBER_LABEL]: labelValue(input.member),
    ...(input.repository !== undefined && { [REPOSITORY_LABEL]: labelValue(input.repository) }),
  };
}

/** The value `snapshotLabels` gives a backup id, to compare a label with live backup ids. */
export const backupLabelValue = labelValue;
