/** Internal: finding MariaDB binaries, initialising a datadir and running one mariadbd. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { notInstalled } from './errors.ts';
import { runTool, startProcess, waitUntil, type ServerProcess } from './_process.ts';

const SBIN = process.env.LIFEBOAT_MARIADB_BIN ?? '/usr/sbin';
const BIN = process.env.LIFEBOAT_MARIADB_BIN ?? '/usr/bin';

/** Paths of `mariadbd` and `mariadb-install-db`, or a TestServerError naming the install. */
export function findMariadb(server: string): { mariadbd: string; installDb: string } {
  const mariadbd = join(SBIN, 'mariadbd');
  const installDb = join(BIN, 'mariadb-install-db');
  if (!existsSync(mariadbd) || !existsSync(installDb)) {
    throw notInstalled(server, 'mariadbd / mariadb-install-db', 'apt', 'LIFEBOAT_TEST_MARIADB_URL');
  }
  return { mariadbd, installDb };
}

/** mariadbd refuses to run as root unless told to; tests run as root in CI. */
function userArgs(): string[] {
  return process.getuid?.() === 0 ? ['--user=root'] : [];
}

/** Creates the system tables in `dataDir`; root@localhost starts without a password. */
export async function installDb(
  server: string,
  installDbPath: string,
  dir: string,
  dataDir: string,
): Promise<void> {
  await runTool(server, {
    command: installDbPath,
    args: [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      // Passed through to the bootstrap mariadbd: its temporary tables in a private directory,
      // not /tmp, where two servers installing at once collided ("Could not remove temporary table").
      `--tmpdir=${dir}`,
      ...userArgs(),
    ],
    logPath: join(dir, 'install-db.log'),
    cwd: dir,
  });
}

/**
 * Starts mariadbd with binlog (ROW) and GTID on, so any instance can be a primary or a
 * replica (`log_slave_updates`). Durability settings are relaxed: test data is throwaway.
 */
export async function launchMariadbd(
  mariadbd: string,
  dir: string,
  dataDir: string,
  port: number,
  serverId: number,
  extra: readonly string[] = [],
): Promise<ServerProcess> {
  return startProcess({
    command: mariadbd,
    args: [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mariadbd.sock')}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--tmpdir=${dir}`,
      '--skip-name-resolve',
      `--server-id=${serverId}`,
      '--log-bin=mariadb-bin',
      '--binlog-format=ROW',
      '--log-slave-updates',
      '--gtid-strict-mode=ON',
      '--character-set-server=utf8mb4',
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=32M',
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      ...userArgs(),
      ...extra,
    ],
    logPath: join(dir, 'mariadbd.log'),
    cwd: dir,
  });
}

/**
 * Waits for the socket, then gives root a password for local and TCP logins. Not written
 * to the binlog, so replicas never replay another server's credentials.
 */
export async function secureRoot(
  server: string,
  proc: ServerProcess,
  dir: string,
  password: string,
): Promise<void> {
  const conn = await waitUntil(
    server,
    proc,
    () =>
      mysql.createConnection({
        socketPath: join(dir, 'mariadbd.sock'),
        user: 'root',
        multipleStatements: true,
      }),
    60_000,
  );
  try {
    await conn.query('SET sql_log_bin = 0');
    await conn.query("CREATE USER IF NOT EXISTS 'root'@'%'");
    await conn.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION");
    // install-db may also create root@127.0.0.1 / root@::1, which match before '%'.
    // (root@<hostname> never matches: names are not resolved.)
    const [hosts] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT Host FROM mysql.user WHERE User = 'root' AND Host IN ('localhost', '127.0.0.1', '::1', '%')",
    );
    for (const row of hosts) {
      await conn.query('ALTER USER ?@? IDENTIFIED BY ?', ['root', String(row.Host), password]);
    }
  } finally {
    await conn.end();
  }
}

export interface MariadbConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** Runs `fn` on a fresh TCP connection with password auth. */
export async function withMariadb<T>(
  conn: MariadbConnection,
  fn: (c: mysql.Connection) => Promise<T>,
): Promise<T> {
  const c = await mysql.createConnection({ ...conn, connectTimeout: 5_000 });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** `10.11.19-MariaDB-0+deb12u1-log` → `10.11.19`. */
export async function mariadbVersion(conn: MariadbConnection): Promise<string> {
  return withMariadb(conn, async (c) => {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    const v = String(rows[0]?.v ?? 'unknown');
    return v.split('-')[0] ?? v;
  });
}
