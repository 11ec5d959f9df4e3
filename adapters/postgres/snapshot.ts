/**
 * Pinned snapshots: a REPEATABLE READ transaction per database, held on a dedicated
 * connection, exporting its snapshot (`pg_export_snapshot()`). Other connections join it
 * with `SET TRANSACTION SNAPSHOT` and pg_dump with `--snapshot`. Snapshots are per
 * database, so a workload with several databases pins one per database, one after
 * another: they are not one atomic point unless writes are fenced meanwhile.
 */
import type pg from 'pg';
import type { Endpoint, Marker, Workload } from '../../engine/model/index.ts';
import type { PinnedSnapshot } from '../types.ts';
import { adapterError, throwIfAborted } from './errors.ts';
import { connect, sessionError, type ConnectionTarget } from './connection.ts';
import { listDatabases } from './catalog.ts';
import { withConnection } from './connection.ts';

/** What the opaque `PinnedSnapshot.token` holds. */
export interface SnapshotToken {
  readonly host: string;
  readonly port: number;
  /** Database name → exported snapshot id. */
  readonly snapshots: Readonly<Record<string, string>>;
  readonly inRecovery: boolean;
}

export function encodeToken(token: SnapshotToken): string {
  return JSON.stringify(token);
}

/** Parse a token made by `encodeToken`; throws on anything else. */
export function decodeToken(token: string): SnapshotToken {
  const parsed = JSON.parse(token) as Partial<SnapshotToken>;
  if (
    typeof parsed.host !== 'string' ||
    typeof parsed.port !== 'number' ||
    typeof parsed.snapshots !== 'object'
  ) {
    throw new Error('not a PostgreSQL snapshot token');
  }
  return parsed as SnapshotToken;
}

/** The current WAL position: insert LSN on a primary, replayed LSN on a standby. */
export async function currentLsn(client: pg.Client): Promise<{ lsn: string; inRecovery: boolean }> {
  const r = await client.query<{ lsn: string | null; in_recovery: boolean }>(
    `SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
                 ELSE pg_catalog.pg_current_wal_lsn() END::text AS lsn,
            pg_catalog.pg_is_in_recovery() AS in_recovery`,
  );
  const row = r.rows[0];
  return { lsn: row?.lsn ?? '0/0', inRecovery: row?.in_recovery ?? false };
}

/** The databases a workload captures: its list, or every connectable non-template one. */
export async function resolveDatabases(target: ConnectionTarget): Promise<string[]> {
  if (target.workload.databases.length > 0) return [...target.workload.databases];
  return withConnection(target, maintenanceDatabase(target.workload), listDatabases);
}

/** Database used for cluster-level queries: the one in the endpoint URL, else `postgres`. */
export function maintenanceDatabase(workload: Workload, endpoint: Endpoint = workload.primary): string {
  try {
    const path = decodeURIComponent(new URL(endpoint.url).pathname.slice(1));
    return path || 'postgres';
  } catch {
    return 'postgres';
  }
}

/** The sessions holding each pinned snapshot, to tell why a join of it failed. */
const pinSessions = new WeakMap<PinnedSnapshot, readonly pg.Client[]>();

/**
 * The error that ended one of `pin`'s sessions, if any (e.g. a standby terminated it in a
 * recovery conflict): later joins of its snapshot only say "invalid snapshot identifier".
 */
export function pinnedSessionFailure(pin: PinnedSnapshot | undefined): Error | undefined {
  if (!pin) return undefined;
  for (const client of pinSessions.get(pin) ?? []) {
    const error = sessionError(client);
    if (error) return error;
  }
  return undefined;
}

/**
 * Pin one snapshot per database on `target.endpoint`. The markers carry the LSN read
 * after the last export. Release commits the read-only transactions and closes the
 * connections; it is idempotent and safe to call after a failure.
 */
export async function pinSnapshotOn(
  target: ConnectionTarget,
  databases: readonly string[],
  signal: AbortSignal,
  /** One open connection per database, prepared before the cut (cut-session.ts). */
  opened?: ReadonlyMap<string, pg.Client>,
): Promise<
  PinnedSnapshot & { readonly snapshots: Readonly<Record<string, string>>; readonly inRecovery: boolean }
> {
  const clients: pg.Client[] = [];
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await Promise.all(
      clients.map(async (c) => {
        await c.query('COMMIT').catch(() => {});
        await c.end().catch(() => {});
      }),
    );
  };
  const onAbort = (): void => void release();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const snapshots: Record<string, string> = {};
    let marker = { lsn: '0/0', inRecovery: false };
    for (const database of databases) {
      throwIfAborted(signal, target.workload);
      const client =
        opened?.get(database) ?? (await connect(target, database, { applicationName: 'lifeboat-snapshot' }));
      clients.push(client);
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const r = await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
        snapshots[database] = r.rows[0]?.id ?? '';
        marker = await currentLsn(client);
      } catch (error) {
        throw adapterError(target.workload, `cannot pin a snapshot of database "${database}"`, error);
      }
    }
    const markers: Marker[] = [{ kind: 'lsn', value: marker.lsn }];
    const token = encodeToken({
      host: target.endpoint.host,
      port: target.endpoint.port,
      snapshots,
      inRecovery: marker.inRecovery,
    });
    const pin = { markers, token, snapshots, inRecovery: marker.inRecovery, release };
    pinSessions.set(pin, clients);
    return pin;
  } catch (error) {
    await release();
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
