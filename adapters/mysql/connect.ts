/**
 * Opening driver connections for a workload endpoint, with the session settings every
 * Lifeboat connection shares (UTC, utf8mb4, no server-side timeout surprises).
 */
import type { Connection as CoreConnection } from 'mysql2';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Endpoint, Workload } from '../../engine/model/index.ts';
import { AdapterError } from '../../engine/errors.ts';
import { adapterError, type ErrorSite } from './errors.ts';

/** A resolved place to connect to, with its credentials kept apart from printable parts. */
export interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly site: ErrorSite;
}

/** Which endpoint of the workload to use. `replica` takes the first listed replica. */
export function resolveTarget(workload: Workload, role: 'primary' | 'replica'): MysqlTarget {
  let endpoint: Endpoint | undefined = workload.primary;
  if (role === 'replica') {
    endpoint = workload.replicas[0];
    if (endpoint === undefined) {
      throw new AdapterError(
        'mysql',
        `mysql workload ${workload.name} has no replica endpoint for the replica strategy`,
        {
          workload: workload.name,
        },
      );
    }
  }
  const password = workload.credentials.password;
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: workload.credentials.username ?? 'root',
    password,
    site: {
      workload: workload.name,
      server: `${endpoint.host}:${endpoint.port}`,
      secrets: password === undefined ? [] : [password],
    },
  };
}

/**
 * Open one connection. Sessions run in UTC (TIMESTAMP values are dumped and loaded as
 * UTC text, so the server's zone never shifts them) with utf8mb4 on the wire.
 * Throws an AdapterError naming the server (never the password) when it cannot connect.
 */
export async function connect(target: MysqlTarget, signal?: AbortSignal): Promise<Connection> {
  signal?.throwIfAborted();
  try {
    const conn = await createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      ...(target.password === undefined ? {} : { password: target.password }),
      charset: 'UTF8MB4_GENERAL_CI',
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      connectTimeout: 10_000,
      multipleStatements: false,
    });
    // A failed connection emits 'error' later (server restart); keep it from crashing the process.
    core(conn).on('error', () => undefined);
    await conn.query("SET SESSION time_zone = '+00:00'");
    return conn;
  } catch (error) {
    throw adapterError('connect', target.site, error);
  }
}

/** Close a connection, ignoring errors from one that is already gone. */
export async function closeQuietly(conn: Connection | undefined): Promise<void> {
  if (conn === undefined) return;
  try {
    await conn.end();
  } catch {
    conn.destroy();
  }
}

/** Run one statement, wrapping failures with what was attempted. */
export async function run<T = unknown>(
  conn: Connection,
  target: MysqlTarget,
  what: string,
  sql: string,
  values?: readonly unknown[],
): Promise<T[]> {
  try {
    const [rows] = await conn.query(sql, values === undefined ? undefined : [...values]);
    return (Array.isArray(rows) ? rows : []) as T[];
  } catch (error) {
    throw adapterError(what, target.site, error);
  }
}

/** The callback-API connection under a promise one (for streaming result sets). */
export function core(conn: Connection): CoreConnection {
  return (conn as unknown as { connection: CoreConnection }).connection;
}
