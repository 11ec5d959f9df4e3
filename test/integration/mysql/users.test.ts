/**
 * Replaying the captured accounts and grants (`withUsers`) on a logical restore, against
 * a private server (accounts are server-wide: dropping one on the shared server would race
 * other files' captures, which read every account).
 */
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { load } from '../../../adapters/mysql/load.ts';
import { startMariadb, type MariadbServer } from '../../../testcontainers/index.ts';
import {
  connectTo,
  quietProgress,
  testRepository,
  uniqueDb,
  type TestRepository,
  workloadFor,
} from './_helpers.ts';

describe('mysql load withUsers', () => {
  let server: MariadbServer;
  let admin: Connection;
  let repo: TestRepository;
  const db = uniqueDb('accounts');
  const user = `lb_${db.slice(-8)}`;
  const password = 'p@ss w0rd';

  beforeAll(async () => {
    server = await startMariadb({ name: 'mariadb-users', serverId: 21 });
    admin = await connectTo(server);
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
    await admin.query(`INSERT INTO \`${db}\`.t VALUES (1), (2)`);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT SELECT, INSERT ON \`${db}\`.* TO '${user}'@'%'`);
    repo = await testRepository();
  });
  afterAll(async () => {
    await admin.end();
    await repo.remove();
    await server.stop();
  });

  const grantsOf = async (): Promise<string[]> => {
    const [rows] = (await admin.query(`SHOW GRANTS FOR '${user}'@'%'`)) as unknown as [
      Record<string, string>[],
    ];
    return rows.map((r) => Object.values(r)[0] ?? '');
  };

  it('replays accounts and grants only when asked', async () => {
    const signal = AbortSignal.timeout(60_000);
    const before = await grantsOf();
    const { source } = await repo.capture('accounts', (sink) =>
      mysqlAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 1,
        signal,
        progress: quietProgress,
      }),
    );
    await admin.query(`DROP USER '${user}'@'%'`);
    const options = { force: false, parallelism: 1, signal, progress: quietProgress };

    await load(workloadFor(server), source, { ...options, rename: { [db]: `${db}_plain` } });
    const [absent] = (await admin.query('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [
      user,
    ])) as unknown as [{ n: number | string }[]];
    expect(Number(absent[0]?.n)).toBe(0);

    await load(workloadFor(server), source, { ...options, rename: { [db]: `${db}_users` }, withUsers: true });
    // Same grants (password hash included), and the password logs in.
    expect(await grantsOf()).toEqual(before);
    const asUser = await connectTo({ host: server.host, port: server.port, user, password });
    try {
      const [rows] = (await asUser.query(`SELECT COUNT(*) AS n FROM \`${db}\`.t`)) as unknown as [
        { n: number | string }[],
      ];
      expect(Number(rows[0]?.n)).toBe(2);
    } finally {
      await asUser.end();
    }
    // Replaying again keeps the account (IF NOT EXISTS) instead of failing.
    await load(workloadFor(server), source, {
      ...options,
      rename: { [db]: `${db}_again` },
      withUsers: true,
    });
    expect(await grantsOf()).toEqual(before);
  });
});
