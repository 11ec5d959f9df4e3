/**
 * Live fingerprint of a workload's databases with the same canonical row encoding and
 * hash as dump.ts, so a drill compares a restored copy with the capture. Each database
 * is read from one exported snapshot on N connections (consistent per database).
 */
import type pg from 'pg';
import type { Fingerprint, TableFingerprint, Workload } from '../../engine/model/index.ts';
import { fingerprintKey } from './canonical.ts';
import { listTables } from './catalog.ts';
import type { ConnectionTarget } from './connection.ts';
import { adapterError } from './errors.ts';
import type { PinnedSnapshot } from '../types.ts';
import { decodeToken, pinSnapshotOn, resolveDatabases } from './snapshot.ts';
import { closeAll, hashTable, openSnapshotWorkers } from './table-copy.ts';
import { runPool } from './_pool.ts';

/** Options of a live fingerprint. */
export interface FingerprintOptions {
  readonly databases?: readonly string[];
  readonly signal: AbortSignal;
  /** Connections per database. @default 2 */
  readonly parallelism?: number;
  /** Read from this endpoint instead of the primary (e.g. a standby). */
  readonly endpoint?: 'primary' | 'replica';
  /** Read what this pinned snapshot sees (its databases) instead of pinning one; not released here. */
  readonly snapshot?: PinnedSnapshot;
}

/** Fingerprint `workload` (keys `db.schema.table`). Unlogged tables are skipped on a standby. */
export async function fingerprint(workload: Workload, options: FingerprintOptions): Promise<Fingerprint> {
  const endpoint =
    options.endpoint === 'replica' ? (workload.replicas[0] ?? workload.primary) : workload.primary;
  const target: ConnectionTarget = { workload, endpoint };
  const given = options.snapshot && decodeToken(options.snapshot.token);
  const databases =
    options.databases && options.databases.length > 0
      ? [...options.databases]
      : given
        ? Object.keys(given.snapshots)
        : await resolveDatabases(target);
  const pin = given
    ? { snapshots: given.snapshots, inRecovery: given.inRecovery, release: () => Promise.resolve() }
    : await pinSnapshotOn(target, databases, options.signal);
  const out: Record<string, TableFingerprint> = {};
  try {
    for (const database of databases) {
      const n = Math.max(1, options.parallelism ?? 2);
      const workers = await openSnapshotWorkers(target, database, pin.snapshots[database] ?? '', n);
      try {
        const tables = (await listTables(workers[0] as pg.Client)).filter(
          (t) => !(pin.inRecovery && t.persistence === 'u'),
        );
        await runPool(
          tables,
          n,
          async (table, worker) => {
            out[fingerprintKey(database, table.schema, table.name)] = await hashTable(
              workers[worker] as pg.Client,
              table,
            );
          },
          () => void closeAll(workers),
        );
      } catch (error) {
        throw adapterError(workload, `fingerprint of database "${database}" failed`, error);
      } finally {
        await closeAll(workers);
      }
    }
  } finally {
    await pin.release();
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
