/**
 * The `lifeboat` CLI on MariaDB beyond the logical round trip, against private servers
 * (the test drops accounts and stops replication, which must not disturb shared ones):
 *
 * - a physical capture of a replica (`--strategy replica-snapshot`, mariabackup) restored
 *   with `lifeboat restore ID --to NAME=file:///DIR` into an empty directory; a `mariadbd`
 *   started on it has the capture's fingerprint and content; a non-empty directory is
 *   refused without `--force`; a physical member without a directory, or a directory for
 *   a logical member, is bad usage naming the fix;
 * - `lifeboat restore --with-users`: an account dropped after the backup logs in again
 *   and reads its table; without the flag it does not exist.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../adapters/mysql/index.ts';
import type { Fingerprint, Workload } from '../../engine/model/index.ts';
import {
  startMariadb,
  startMariadbReplica,
  type MariadbReplicaServer,
  type MariadbServer,
} from '../../testcontainers/index.ts';
import { findMariadb, launchMariadbd, withMariadb } from '../../testcontainers/_mariadb.ts';
import { freePorts, waitUntil, type ServerProcess } from '../../testcontainers/_process.ts';
import { myQuery } from '../_support/sql.ts';
import { contentSnapshot, seedCorpus } from '../integration/mysql/_corpus.ts';
import { connectTo } from '../integration/mysql/_helpers.ts';
import { cliRepo, type CliRepo } from './_cli-repo.ts';

const suffix = randomBytes(3).toString('hex');
const DB = `phys_${suffix}`;
/** One account on primary and replica alike (created on the primary, replicated). */
const USER = 'lifeboat_cli';
const PASSWORD = randomBytes(12).toString('hex');

function workloadOn(port: number, databases: string[]): Workload {
  return {
    name: 'restored',
    engine: 'mysql',
    primary: { host: '127.0.0.1', port, role: 'primary', url: `mysql://${USER}@127.0.0.1:${port}/` },
    replicas: [],
    databases,
    credentials: { username: USER, password: PASSWORD },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
}

describe('lifeboat CLI on MariaDB: physical restore into a data directory, --with-users', () => {
  let primary: MariadbServer;
  let replica: MariadbReplicaServer;
  let repo: CliRepo;
  const servers: ServerProcess[] = [];

  const url = (server: { port: number }, db = DB) => `mysql://${USER}@127.0.0.1:${server.port}/${db}`;
  const capturedFingerprint = async (id: string): Promise<Fingerprint> => {
    const [member] = await repo.members<{ fingerprint: Fingerprint }>(id);
    return member?.fingerprint ?? {};
  };

  beforeAll(async () => {
    primary = await startMariadb({ name: 'mariadb-cli-physical-primary', serverId: 31 });
    replica = await startMariadbReplica(primary, { name: 'mariadb-cli-physical-replica' });
    // Replicated to the replica, so one password serves the member's primary and replica URLs.
    await myQuery(
      primary,
      `CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'; GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'%' WITH GRANT OPTION`,
    );
    const conn = await connectTo(primary);
    try {
      await seedCorpus(conn, DB);
      const [pos] = (await conn.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [{ g: string }[]];
      const [waited] = (await myQuery(replica, `SELECT MASTER_GTID_WAIT('${pos[0]?.g ?? ''}', 60) AS w`)) as {
        w: number;
      }[];
      expect(Number(waited?.w)).toBe(0);
    } finally {
      await conn.end();
    }
    repo = await cliRepo('lifeboat-cli-physical-', PASSWORD);
  }, 180_000);

  afterAll(async () => {
    for (const s of servers) await s.stop('SIGTERM').catch(() => undefined);
    await replica.stop();
    await primary.stop();
    // Unset when beforeAll failed before creating it.
    await (repo as CliRepo | undefined)?.dispose();
  });

  it('restores a replica-snapshot into an empty data directory that a mariadbd starts on with the capture fingerprint', async () => {
    const id = await repo.backup([
      '--db',
      `phys=${url(primary)}`,
      '--replica',
      `phys=${url(replica)}`,
      '--strategy',
      'replica-snapshot',
    ]);
    const expected = await capturedFingerprint(id);
    expect(Object.keys(expected).length).toBeGreaterThan(3);

    // Without a directory: bad usage naming the flag to give.
    await repo.expectDirectoryRequired(id, 'phys');

    const dataDir = join(repo.work, 'restored', 'data');
    const target = `phys=${pathToFileURL(dataDir).toString()}`;
    const restored = await repo.cli(['restore', id, '--to', target, ...repo.repoArgs]);
    expect(restored.exitCode, restored.all).toBe(0);
    expect(restored.stdout).toContain(`data directory ${dataDir} is ready`);
    expect(restored.stdout).toMatch(/mariadbd --datadir=/);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['ibdata1', 'mysql', DB]));

    // A non-empty directory is refused without --force, and left as it is.
    await repo.expectNonEmptyRefusedThenForced(id, 'phys', target, dataDir, ['ibdata1', 'mysql', DB]);

    // A fresh mariadbd on the directory: the capture's fingerprint and the replica's content.
    const [port = 0] = await freePorts(1);
    const proc = await launchMariadbd(
      findMariadb('cli-restored').mariadbd,
      join(repo.work, 'restored'),
      dataDir,
      port,
      77,
    );
    servers.push(proc);
    const login = { host: '127.0.0.1', port, user: USER, password: PASSWORD };
    await waitUntil('cli-restored', proc, () => withMariadb(login, () => Promise.resolve(true)), 60_000);
    const signal = AbortSignal.timeout(60_000);
    expect(await mysqlAdapter.fingerprint(workloadOn(port, [DB]), { signal })).toEqual(expected);
    const restoredConn = await connectTo(login);
    const replicaConn = await connectTo(replica);
    try {
      expect(await contentSnapshot(restoredConn, DB)).toEqual(await contentSnapshot(replicaConn, DB));
    } finally {
      await restoredConn.end();
      await replicaConn.end();
    }
  }, 300_000);

  it('refuses a data directory for a logical member', async () => {
    await repo.expectDirectoryRefusedForLogical(url(primary));
  }, 120_000);

  it('--with-users recreates a captured account that logs in and reads its table', async () => {
    const app = `app_${suffix}`;
    const appPassword = randomBytes(9).toString('hex');
    await myQuery(
      primary,
      `CREATE USER '${app}'@'%' IDENTIFIED BY '${appPassword}'; GRANT SELECT ON \`${DB}\`.* TO '${app}'@'%'`,
    );
    const asApp = { host: '127.0.0.1', port: primary.port, user: app, password: appPassword };
    const tables = async () =>
      myQuery(asApp, `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${DB}'`);
    const before = await tables();
    const id = await repo.backup(['--db', `users=${url(primary)}`]);

    await myQuery(primary, `DROP USER '${app}'@'%'`);
    await expect(tables()).rejects.toThrow(/Access denied/);
    // Without --with-users (into a copy): the account stays gone.
    const plain = await repo.cli([
      'restore',
      id,
      '--to',
      `users=${url(primary, `${DB}_copy`)}`,
      ...repo.repoArgs,
    ]);
    expect(plain.exitCode, plain.all).toBe(0);
    await expect(tables()).rejects.toThrow(/Access denied/);

    // With it, back into the original database: the account logs in with its own password.
    await myQuery(primary, `DROP DATABASE \`${DB}\``);
    const withUsers = await repo.cli(['restore', id, '--with-users', ...repo.repoArgs]);
    expect(withUsers.exitCode, withUsers.all).toBe(0);
    expect(withUsers.stdout).toContain('verified against the capture fingerprints');
    expect(await tables()).toEqual(before);
    // Its grant is the captured one: SELECT on the database, nothing else.
    await expect(myQuery(asApp, `CREATE TABLE \`${DB}\`.nope (id INT)`)).rejects.toThrow(/denied/);
    expect(withUsers.all).not.toContain(appPassword);
  }, 180_000);
});
