/**
 * The PostgreSQL adapter: logical capture through COPY on parallel connections that
 * share one exported snapshot (fingerprints computed while streaming), schema and
 * globals through pg_dump / pg_dumpall, restore through pg_restore sections and
 * parallel COPY FROM, write fences with table locks, physical backup mode.
 */
import type { Workload } from '../../engine/model/index.ts';
import type { DatabaseAdapter } from '../types.ts';
import { dump } from './dump.ts';
import { fingerprint } from './fingerprint.ts';
import { prepareCutSession } from './cut-session.ts';
import { freeze } from './freeze.ts';
import { load } from './load.ts';
import { probe } from './probe.ts';
import { restoreDataDir } from './restore-data-dir.ts';
import { pinSnapshotOn, resolveDatabases } from './snapshot.ts';
import { startVolumeBackup } from './volume-backup.ts';

export { startBackupMode, type BackupModeResult, type BackupModeSession } from './backup-mode.ts';
export { readCatalog } from './load.ts';
export { exportPlainSql } from './export.ts';
export { REPLICA_DATA_DIR_ANNOTATION } from './dump.ts';
export { RecoveryConflictError } from './errors.ts';
export {
  captureReplicaSnapshot,
  restoreReplicaSnapshot,
  type ReplicaSnapshotResult,
} from './replica-snapshot.ts';
export { CATALOG_ARTIFACT, type CaptureCatalog } from './capture-catalog.ts';
export { prepareVolumeRestore } from './volume-restore.ts';
export { BACKUP_LABEL_ARTIFACT, WAL_ARTIFACT_PREFIX } from './volume-backup.ts';

/** The annotation that makes `pinSnapshot` pin on the first replica (replica strategy). */
export const STRATEGY_ANNOTATION = 'lifeboat.dev/strategy';

export const postgresAdapter = {
  engine: 'postgres',
  capabilities: {
    // freeze-snapshot: CSI volume snapshots of a Kubernetes workload's PVCs (the planner checks it has some).
    strategies: ['logical', 'replica', 'replica-snapshot', 'freeze-snapshot'],
    fence: true,
    pinSnapshot: true,
  },
  probe: (workload, _signal) => probe(workload),
  dump,
  load,
  /** A physical capture (replica-snapshot) into an empty data directory, set to recover to its LSN and promote. */
  restoreDataDir,
  freeze: (workload, options) => freeze(workload, options),
  /**
   * Pin one exported snapshot per database on the primary, or on the first replica when
   * the workload is annotated `lifeboat.dev/strategy: replica`. Marker: the LSN.
   */
  async pinSnapshot(workload: Workload, signal: AbortSignal) {
    const endpoint =
      workload.annotations[STRATEGY_ANNOTATION] === 'replica'
        ? (workload.replicas[0] ?? workload.primary)
        : workload.primary;
    const target = { workload, endpoint };
    return pinSnapshotOn(target, await resolveDatabases(target), signal);
  },
  /** Fence sessions and snapshot connections opened before the cut's first fence. */
  prepareCut(workload: Workload, signal: AbortSignal) {
    const endpoint =
      workload.annotations[STRATEGY_ANNOTATION] === 'replica'
        ? (workload.replicas[0] ?? workload.primary)
        : workload.primary;
    return prepareCutSession(workload, { workload, endpoint }, signal);
  },
  fingerprint: (workload, options) => fingerprint(workload, options),
  startBackupMode: (workload, options) => startVolumeBackup(workload, options),
} satisfies DatabaseAdapter;
