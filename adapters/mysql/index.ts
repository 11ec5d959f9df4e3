/**
 * The MySQL / MariaDB adapter. Captures are driver-native: parallel `SELECT` streams from
 * one pinned InnoDB snapshot, written as SQL the `mariadb` client also loads, fingerprinted
 * on the way. See README.md for the guarantees per strategy.
 */
import type { DatabaseAdapter, Fence, PinnedSnapshot } from '../types.ts';
import { resolveTarget } from './connect.ts';
import { prepareCutSession } from './cut-session.ts';
import { dump } from './dump.ts';
import { fingerprint } from './fingerprint.ts';
import { acquireFence } from './freeze.ts';
import { load } from './load.ts';
import { pinSnapshotSession } from './pin-snapshot.ts';
import { probe } from './probe.ts';
import { restoreDataDir } from './restore-data-dir.ts';

/** Connections a snapshot pinned through the interface opens (its dump's parallelism cap). */
export const DEFAULT_SNAPSHOT_CONNECTIONS = 2;

export const mysqlAdapter = {
  engine: 'mysql',
  // freeze-snapshot also needs a volume snapshot (Kubernetes CSI), not built yet: not offered.
  // replica-snapshot is mariabackup on the replica (Lifeboat must run where its datadir is).
  capabilities: { strategies: ['logical', 'replica', 'replica-snapshot'], fence: true, pinSnapshot: true },
  probe,
  dump,
  load,
  /** A physical capture (replica-snapshot, mariabackup) into an empty data directory. */
  restoreDataDir,
  async freeze(workload, options): Promise<Fence> {
    return acquireFence(resolveTarget(workload, 'primary'), options);
  },
  async pinSnapshot(workload, signal): Promise<PinnedSnapshot> {
    return pinSnapshotSession(resolveTarget(workload, 'primary'), {
      connections: DEFAULT_SNAPSHOT_CONNECTIONS,
      replica: false,
      signal,
    });
  },
  /** Fence session and snapshot connections opened before the cut's first fence. */
  prepareCut(workload, signal) {
    return prepareCutSession(resolveTarget(workload, 'primary'), DEFAULT_SNAPSHOT_CONNECTIONS, signal);
  },
  fingerprint,
} satisfies DatabaseAdapter;

export { acquireFence, type FenceMethod, type FenceOptions, type HeldFence } from './freeze.ts';
export { resolveTarget, type MysqlTarget } from './connect.ts';
export { pinSnapshotSession, type PinOptions } from './pin-snapshot.ts';
export { exportSql } from './export-sql.ts';
export {
  captureReplicaSnapshot,
  replicaHealthProblem,
  REPLICA_DATA_DIR_ANNOTATION,
  MAX_LAG_ANNOTATION,
  type ReplicaSnapshotOptions,
} from './replica-snapshot.ts';
export {
  exportDatadirStream,
  restoreReplicaSnapshot,
  slaveInfoGtid,
  type ReplicaSnapshotRestoreResult,
} from './replica-snapshot-restore.ts';
