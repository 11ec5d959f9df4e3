/** Internal: finding PostgreSQL binaries and running one postmaster (primary or standby). */
import { existsSync, readdirSync } from 'node:fs';
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { notInstalled } from './errors.ts';
import { runTool, startProcess, unprivilegedUser, waitUntil, type ServerProcess } from './_process.ts';

/** The directory holding `postgres`, `initdb`, `pg_basebackup` of the newest installed major. */
export function findPgBinDir(server: string): string {
  const fromEnv = process.env.LIFEBOAT_PG_BIN;
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'postgres'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = majors[0];
  if (newest === undefined)
    throw notInstalled(server, 'PostgreSQL server binaries', 'apt', 'LIFEBOAT_TEST_POSTGRES_URL');
  return join(root, newest, 'bin');
}

export interface PgConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** One query on a fresh connection (password auth over TCP, as in production). */
export async function pgQuery<R extends pg.QueryResultRow>(conn: PgConnection, sql: string): Promise<R[]> {
  const client = new pg.Client({ ...conn, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** `15.14 (Debian 15.14-0+deb12u1)` → `15.14`. */
export function pgVersion(serverVersion: string): string {
  return serverVersion.split(' ')[0] ?? serverVersion;
}

/**
 * Runs `initdb` on `dataDir` (superuser `postgres` with `password`, SCRAM over TCP, trust on
 * the socket); its log goes to `dir/initdb.log`, the password through a file removed after.
 */
export async function initPostgresCluster(
  server: string,
  binDir: string,
  dir: string,
  dataDir: string,
  password: string,
): Promise<void> {
  const user = unprivilegedUser();
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, password, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  await runTool(server, {
    command: join(binDir, 'initdb'),
    args: [
      '-D',
      dataDir,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    logPath: join(dir, 'initdb.log'),
    cwd: dir,
    ...(user ? { user } : {}),
  });
  await rm(pwfile);
}

/** Starts a postmaster on `dataDir` listening on loopback TCP only (socket in `dir`). */
export async function launchPostmaster(
  binDir: string,
  dir: string,
  dataDir: string,
  port: number,
  settings: Readonly<Record<string, string | number>> = {},
): Promise<ServerProcess> {
  const user = unprivilegedUser();
  return startProcess({
    command: join(binDir, 'postgres'),
    args: [
      '-D',
      dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `port=${port}`,
      '-c',
      `unix_socket_directories=${dir}`,
      // Throwaway test data: durability costs time and buys nothing here.
      '-c',
      'fsync=off',
      '-c',
      'hot_standby=on',
      '-c',
      'max_wal_senders=10',
      '-c',
      'wal_level=replica',
      // A standby cloned from a shared primary starts streaming where its base backup
      // ended; other tests writing meanwhile must not recycle that WAL (a CI run saw
      // "requested WAL segment … has already been removed" within a second).
      '-c',
      'wal_keep_size=512MB',
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    logPath: join(dir, 'postgres.log'),
    cwd: dir,
    ...(user ? { user } : {}),
  });
}

/** Waits until the postmaster accepts an authenticated query; returns its version. */
export async function waitForPostgres(
  server: string,
  proc: ServerProcess,
  conn: PgConnection,
): Promise<string> {
  const rows = await waitUntil(
    server,
    proc,
    () => pgQuery<{ server_version: string }>(conn, 'SHOW server_version'),
    60_000,
  );
  return pgVersion(rows[0]?.server_version ?? 'unknown');
}
