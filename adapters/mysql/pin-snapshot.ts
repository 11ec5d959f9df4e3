/**
 * Pinning one InnoDB snapshot on several connections, as mydumper does: fence writes,
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT` on every dump connection, read the binlog
 * position and GTID that match, release the fence. The write stall is only the time it
 * takes to start N transactions (connections are opened before the fence).
 *
 * On a replica (replica strategy) the SQL thread is stopped instead, so the snapshot and
 * the replication position (in the primary's history) match exactly; it is restarted in
 * a `finally` before this returns, unless it was stopped by someone else to begin with.
 * The primary is never contacted.
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import type { Marker } from '../../engine/model/index.ts';
import { AdapterError } from '../../engine/errors.ts';
import type { PinnedSnapshot } from '../types.ts';
import { closeQuietly, connect, run, type MysqlTarget } from './connect.ts';
import { acquireFence, type FenceMethod, type HeldFence } from './freeze.ts';

export interface PinOptions {
  /** Connections that share the snapshot (one per parallel dump stream). */
  readonly connections: number;
  readonly signal: AbortSignal;
  /** The endpoint is a replica: stop its SQL thread instead of fencing writes. */
  readonly replica: boolean;
  /** Deadline to acquire the fence. @default 10000 */
  readonly fenceDeadlineMs?: number;
  readonly fenceMethod?: FenceMethod;
}

/** A pinned snapshot with the connections that read from it (internal to the adapter). */
export interface SnapshotSession extends PinnedSnapshot {
  readonly target: MysqlTarget;
  readonly connections: readonly Connection[];
  /** How long writes (or replication) were held, in ms. */
  readonly stallMs: number;
}

/** Snapshots pinned through the adapter interface, found again by their token at dump time. */
const pinned = new Map<string, SnapshotSession>();

/** The session behind a token from `pinSnapshot`, or an error if it is gone. */
/** A session's release: ends every snapshot transaction and closes its connection, once. */
function releaseOnce(token: string, connections: readonly Connection[]): () => Promise<void> {
  let released: Promise<void> | undefined;
  return () =>
    (released ??= (async () => {
      pinned.delete(token);
      await Promise.all(
        connections.map(async (c) => {
          await c.query('COMMIT').catch(() => undefined);
          await closeQuietly(c);
        }),
      );
    })());
}

export function sessionForToken(token: string): SnapshotSession {
  const session = pinned.get(token);
  if (session === undefined) {
    throw new AdapterError(
      'mysql',
      `mysql snapshot ${token} is not pinned in this process (released or never pinned)`,
    );
  }
  return session;
}

async function startSnapshot(conn: Connection, target: MysqlTarget): Promise<void> {
  await prepareConnection(conn, target);
  await beginSnapshot(conn, target);
}

/** Session settings of a snapshot connection, done before any fence. */
async function prepareConnection(conn: Connection, target: MysqlTarget): Promise<void> {
  // SHOW CREATE output depends on sql_mode (ANSI_QUOTES, NO_*_OPTIONS): pin the plain form.
  await run(conn, target, 'set sql_mode', "SET SESSION sql_mode = ''");
  await run(conn, target, 'set isolation', 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
}

async function beginSnapshot(conn: Connection, target: MysqlTarget): Promise<void> {
  await run(
    conn,
    target,
    'start consistent snapshot',
    'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY',
  );
}

/**
 * Open and set up `n` snapshot connections ahead of a cut, so pinning later only starts
 * the transactions. Close them with `closeQuietly` if they are never pinned.
 */
export async function prepareSnapshotConnections(
  target: MysqlTarget,
  n: number,
  signal: AbortSignal,
): Promise<Connection[]> {
  const connections: Connection[] = [];
  try {
    for (let i = 0; i < Math.max(1, n); i++) {
      const conn = await connect(target, signal);
      connections.push(conn);
      await prepareConnection(conn, target);
    }
    return connections;
  } catch (error) {
    for (const c of connections) c.destroy();
    throw error;
  }
}

/**
 * Pin one snapshot on prepared connections (primary). `fence` is how commits are kept
 * out while the transactions start: `held` when the caller (the cut) already holds this
 * server's fence, so no second fence is taken; else a function taking a brief fence of
 * its own, needed only with several connections.
 */
export async function pinPrepared(
  target: MysqlTarget,
  connections: readonly Connection[],
  fence: 'held' | (() => Promise<HeldFence>),
): Promise<SnapshotSession> {
  let own: HeldFence | undefined;
  const stallStart = Date.now();
  try {
    if (fence !== 'held' && connections.length > 1) own = await fence();
    for (const conn of connections) await beginSnapshot(conn, target);
    const markers = await primaryMarkers(connections[0] as Connection, target);
    return register(target, connections, markers, () => (own ? Date.now() - stallStart : 0));
  } catch (error) {
    for (const c of connections) c.destroy();
    throw error;
  } finally {
    if (own) await own.release();
  }
}

function register(
  target: MysqlTarget,
  connections: readonly Connection[],
  markers: Marker[],
  stall: () => number,
): SnapshotSession {
  const token = randomUUID();
  const stallMs = stall();
  const session: SnapshotSession = {
    token,
    markers,
    target,
    connections,
    stallMs,
    release: releaseOnce(token, connections),
  };
  pinned.set(token, session);
  return session;
}

/** Binlog file:pos and GTID that match the snapshot of `conn` (MariaDB reports them per transaction). */
async function primaryMarkers(conn: Connection, target: MysqlTarget): Promise<Marker[]> {
  const markers: Marker[] = [];
  const status = await run<{ Variable_name: string; Value: string }>(
    conn,
    target,
    'read snapshot binlog position',
    "SHOW STATUS LIKE 'binlog_snapshot_%'",
  );
  const file = status.find((r) => r.Variable_name === 'Binlog_snapshot_file')?.Value ?? '';
  const pos = status.find((r) => r.Variable_name === 'Binlog_snapshot_position')?.Value ?? '';
  if (file !== '') {
    markers.push({ kind: 'binlog', value: `${file}:${pos}` });
    const gtid = await run<{ g: string | null }>(
      conn,
      target,
      'read snapshot GTID',
      'SELECT BINLOG_GTID_POS(?, ?) AS g',
      [file, Number(pos)],
    );
    const value = gtid[0]?.g ?? '';
    if (value !== '') markers.push({ kind: 'gtid', value });
  }
  return markers;
}

export interface SlaveStatus {
  readonly Slave_SQL_Running?: string;
  readonly Relay_Master_Log_File?: string;
  readonly Exec_Master_Log_Pos?: string | number;
  readonly Seconds_Behind_Master?: string | number | null;
}

/** The replica's position in its primary's history (binlog file:pos, GTID). */
export async function replicaMarkers(conn: Connection, target: MysqlTarget): Promise<Marker[]> {
  const markers: Marker[] = [];
  const [status] = await run<SlaveStatus>(conn, target, 'read replica status', 'SHOW SLAVE STATUS');
  if (status?.Relay_Master_Log_File) {
    markers.push({
      kind: 'binlog',
      value: `${status.Relay_Master_Log_File}:${String(status.Exec_Master_Log_Pos)}`,
    });
  }
  const gtid = await run<{ g: string }>(conn, target, 'read replica GTID', 'SELECT @@gtid_slave_pos AS g');
  if (gtid[0]?.g) markers.push({ kind: 'gtid', value: gtid[0].g });
  return markers;
}

/**
 * Pin a snapshot on `options.connections` new connections to `target`. The returned
 * session's `release` commits the transactions and closes the connections (idempotent).
 */
export async function pinSnapshotSession(target: MysqlTarget, options: PinOptions): Promise<SnapshotSession> {
  const n = Math.max(1, options.connections);
  const connections: Connection[] = [];
  let fence: HeldFence | undefined;
  let control: Connection | undefined;
  let restartSql = false;
  let stallStart = 0;
  let stallMs = 0;
  try {
    for (let i = 0; i < n; i++) connections.push(await connect(target, options.signal));
    const first = connections[0] as Connection;
    let markers: Marker[];
    if (options.replica) {
      control = await connect(target, options.signal);
      const [status] = await run<SlaveStatus>(control, target, 'read replica status', 'SHOW SLAVE STATUS');
      if (status === undefined) {
        throw new AdapterError('mysql', `mysql replica strategy: ${target.site.server} is not a replica`, {
          workload: target.site.workload,
        });
      }
      restartSql = status.Slave_SQL_Running === 'Yes';
      stallStart = Date.now();
      if (restartSql) await run(control, target, 'stop replica SQL thread', 'STOP SLAVE SQL_THREAD');
      for (const conn of connections) await startSnapshot(conn, target);
      markers = await replicaMarkers(control, target);
    } else {
      // One connection needs no fence: its own snapshot and binlog position already match.
      if (n > 1) {
        fence = await acquireFence(target, {
          deadlineMs: options.fenceDeadlineMs ?? 10_000,
          signal: options.signal,
          ...(options.fenceMethod ? { method: options.fenceMethod } : {}),
        });
      }
      stallStart = Date.now();
      for (const conn of connections) await startSnapshot(conn, target);
      markers = await primaryMarkers(first, target);
    }
    const token = randomUUID();
    const session: SnapshotSession = {
      token,
      markers,
      target,
      connections,
      get stallMs() {
        return stallMs;
      },
      release: releaseOnce(token, connections),
    };
    pinned.set(token, session);
    return session;
  } catch (error) {
    for (const c of connections) c.destroy();
    throw error;
  } finally {
    // Guaranteed release of what holds writes (or replication) back, success or not.
    if (fence) await fence.release();
    if (restartSql && control)
      await run(control, target, 'restart replica SQL thread', 'START SLAVE SQL_THREAD');
    if (stallStart > 0) stallMs = Date.now() - stallStart;
    await closeQuietly(control);
  }
}
