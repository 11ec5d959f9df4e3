import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TestServer } from './types.ts';
import { localServerFields } from './_local-server.ts';
import {
  findPgBinDir,
  initPostgresCluster,
  launchPostmaster,
  pgQuery,
  pgVersion,
  waitForPostgres,
} from './_postgres.ts';
import {
  freePorts,
  secondsSince,
  serverDir,
  unprivilegedUser,
  withCleanup,
  type ServerProcess,
} from './_process.ts';

/** A PostgreSQL server; connections use password (SCRAM) auth over TCP. */
export interface PostgresServer extends TestServer {
  /** Superuser name (`postgres`). */
  readonly user: string;
  readonly password: string;
  /** The default database (`postgres`). */
  readonly database: string;
  /** Directory of the matching client tools (`pg_dump`, `pg_basebackup`); '' if external. */
  readonly binDir: string;
}

export interface StartPostgresOptions {
  /** Server name in errors and `servers:check`. @default 'postgres' */
  readonly name?: string;
  /** Extra server settings (`-c key=value`), e.g. `{ wal_level: 'logical' }`. Ignored for an external server. */
  readonly settings?: Readonly<Record<string, string | number>>;
}

/** Environment variable naming an existing server: `postgres://user:pass@host:port/db`. */
export const POSTGRES_URL_ENV = 'LIFEBOAT_TEST_POSTGRES_URL';

/**
 * Starts a private PostgreSQL server (the newest major under /usr/lib/postgresql) on a
 * free loopback port, or returns the one named by `LIFEBOAT_TEST_POSTGRES_URL`.
 * As root, the server runs as `nobody` (PostgreSQL refuses root).
 * @throws TestServerError naming `testcontainers/install apt` when no server is installed.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const name = options.name ?? 'postgres';
  const t0 = performance.now();
  const fromEnv = process.env[POSTGRES_URL_ENV];
  if (fromEnv) return externalPostgres(name, fromEnv, t0);

  const binDir = findPgBinDir(name);
  const user = unprivilegedUser();
  const dir = await serverDir(name, user);
  return withCleanup(dir, async (onFail) => {
    const password = randomBytes(16).toString('hex');
    const [port = 0] = await freePorts(1);
    const dataDir = join(dir, 'data');
    await initPostgresCluster(name, binDir, dir, dataDir, password);
    const proc = await launchPostmaster(binDir, dir, dataDir, port, options.settings);
    onFail(() => proc.stop('SIGQUIT', 2_000));
    return localPostgresHandle({ name, binDir, dir, proc, port, password, t0 });
  });
}

/**
 * Waits until a postmaster this harness started answers as `postgres` with `password`, and
 * returns its handle: `stop` shuts it down fast (SIGINT) and removes `dir`.
 */
export async function localPostgresHandle(started: {
  readonly name: string;
  readonly binDir: string;
  readonly dir: string;
  readonly proc: ServerProcess;
  readonly port: number;
  readonly password: string;
  readonly t0: number;
}): Promise<PostgresServer> {
  const { name, binDir, dir, proc, port, password, t0 } = started;
  const conn = { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' };
  const version = await waitForPostgres(name, proc, conn);
  return {
    ...localServerFields({
      name,
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      dir,
      proc,
      t0,
      stopSignal: 'SIGINT', // fast shutdown
    }),
    ...conn,
    version,
    binDir,
  };
}

/** A handle on a server given by URL; `stop` leaves it running. */
export async function externalPostgres(name: string, url: string, t0: number): Promise<PostgresServer> {
  const u = new URL(url);
  const conn = {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1) || 'postgres',
  };
  const rows = await pgQuery<{ server_version: string }>(conn, 'SHOW server_version');
  return {
    name,
    url,
    ...conn,
    version: pgVersion(rows[0]?.server_version ?? 'unknown'),
    dataDir: '',
    logPath: '',
    startSeconds: secondsSince(t0),
    external: true,
    binDir: '',
    stop: () => Promise.resolve(),
  };
}
