/**
 * Labels on the VolumeSnapshots a backup takes: which backup and member they belong to,
 * and which repository holds that backup's manifest. The repository label is what lets
 * garbage collection (gc.ts) tell its own snapshots from another repository's. Values go
 * through the controller's `labelValue` (unchanged when valid, else cleaned and hashed).
 */
import { labelValue } from '../../controller/policy/names.ts';

export const BACKUP_LABEL = 'lifeboat.dev/backup';
export const MEMBER_LABEL = 'lifeboat.dev/member';
export const REPOSITORY_LABEL = 'lifeboat.dev/repository';

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

export { labelValue };
