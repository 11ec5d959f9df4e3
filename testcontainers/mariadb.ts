import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TestServer } from './types.ts';
import {
  findMariadb,
  installDb,
  launchMariadbd,
  mariadbVersion,
  secureRoot,
  type MariadbConnection,
} from './_mariadb.ts';
import { localServerFields } from './_local-server.ts';
import { freePorts, secondsSince, serverDir, withCleanup, type ServerProcess } from './_process.ts';

/** A MariaDB server with binlog (ROW) and GTID on; root logs in with a password over TCP. */
export interface MariadbServer extends TestServer {
  /** `root`, with ALL PRIVILEGES from any host. */
  readonly user: string;
  readonly password: string;
  /** The server's `server_id` (replicas get their own). */
  readonly serverId: number;
}

export interface StartMariadbOptions {
  /** Server name in errors and `servers:check`. @default 'mariadb' */
  readonly name?: string;
  /** `server_id`; a replica started from this server gets the next one. @default 1 */
  readonly serverId?: number;
  /** Extra `mariadbd` flags, e.g. `['--lock-wait-timeout=5']`. Ignored for an external server. */
  readonly flags?: readonly string[];
}

/** Environment variable naming an existing server: `mysql://user:pass@host:port`. */
export const MARIADB_URL_ENV = 'LIFEBOAT_TEST_MARIADB_URL';

/**
 * Starts a private MariaDB server on a free loopback port (its own datadir from
 * `mariadb-install-db`), or returns the one named by `LIFEBOAT_TEST_MARIADB_URL`.
 * @throws TestServerError naming `testcontainers/install apt` when MariaDB is not installed.
 */
export async function startMariadb(options: StartMariadbOptions = {}): Promise<MariadbServer> {
  const name = options.name ?? 'mariadb';
  const serverId = options.serverId ?? 1;
  const t0 = performance.now();
  const fromEnv = process.env[MARIADB_URL_ENV];
  if (fromEnv) return externalMariadb(name, fromEnv, serverId, t0);

  const bins = findMariadb(name);
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const password = randomBytes(16).toString('hex');
    const [port = 0] = await freePorts(1);
    const dataDir = join(dir, 'data');
    await installDb(name, bins.installDb, dir, dataDir);
    const proc = await launchMariadbd(bins.mariadbd, dir, dataDir, port, serverId, options.flags);
    onFail(() => proc.stop('SIGKILL', 2_000));
    await secureRoot(name, proc, dir, password);
    const conn = { host: '127.0.0.1', port, user: 'root', password };
    return localMariadbHandle({ name, conn, proc, dir, serverId, t0 });
  });
}

/** The handle of a mariadbd this harness started: `stop` ends it and removes its directory. */
export async function localMariadbHandle(started: {
  readonly name: string;
  readonly conn: MariadbConnection;
  readonly proc: ServerProcess;
  readonly dir: string;
  readonly serverId: number;
  readonly t0: number;
}): Promise<MariadbServer> {
  const { name, conn, proc, dir, serverId, t0 } = started;
  const version = await mariadbVersion(conn);
  return {
    ...localServerFields({
      name,
      url: `mysql://root:${conn.password}@127.0.0.1:${conn.port}/`,
      dir,
      proc,
      t0,
      stopSignal: 'SIGTERM',
    }),
    ...conn,
    version,
    serverId,
  };
}

/** A handle on a server given by URL; `stop` leaves it running. */
export async function externalMariadb(
  name: string,
  url: string,
  serverId: number,
  t0: number,
): Promise<MariadbServer> {
  const u = new URL(url);
  const conn = {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
  };
  return {
    name,
    url,
    ...conn,
    version: await mariadbVersion(conn),
    dataDir: '',
    logPath: '',
    startSeconds: secondsSince(t0),
    external: true,
    serverId,
    stop: () => Promise.resolve(),
  };
}
