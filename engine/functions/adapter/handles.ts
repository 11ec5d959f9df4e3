/** Handle kinds in the per-member HandleBag. */
export const FENCE_HANDLE = 'fence';
export const SNAPSHOT_HANDLE = 'snapshot';
/** A CutSession from `<engine>.prepareCut`. */
export const CUT_SESSION_HANDLE = 'cut-session';
/** A PhysicalBackupSession from `<engine>.backupStart`. */
export const BACKUP_MODE_HANDLE = 'backup-mode';
