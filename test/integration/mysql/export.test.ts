/**
 * No lock-in: the SQL that `exportSql` writes loads with the plain `mariadb` client
 * (password by MYSQL_PWD, never argv) and gives a database equal to the original.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { exportSql, mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { useServer, type MariadbServer, type SharedServer } from '../../../testcontainers/index.ts';
import { contentSnapshot, seedCorpus } from './_corpus.ts';
import {
  connectTo,
  quietProgress,
  renameKeys,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

describe('mysql export for native tools', () => {
  let server: SharedServer<MariadbServer>;
  let conn: Connection;
  let repo: TestRepository;
  const db = uniqueDb('exported');
  const copy = `${db}_native`;

  beforeAll(async () => {
    server = await useServer('mariadb');
    conn = await connectTo(server);
    await seedCorpus(conn, db);
    repo = await testRepository();
  });
  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.query(`DROP DATABASE IF EXISTS \`${copy}\``);
    await conn.end();
    await repo.remove();
  });

  it('loads with `mariadb` into an equal database', async () => {
    const signal = AbortSignal.timeout(60_000);
    const { result, source } = await repo.capture('native', (sink) =>
      mysqlAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 2,
        signal,
        progress: quietProgress,
      }),
    );
    const client = spawn(
      'mariadb',
      ['--no-defaults', '-h', server.host, '-P', String(server.port), '-u', server.user, '--batch'],
      { env: { ...process.env, MYSQL_PWD: server.password }, stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    client.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(client, 'close');
    await pipeline(Readable.from(exportSql(source, { rename: { [db]: copy } })), client.stdin);
    const [code] = (await exited) as [number];
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(await contentSnapshot(conn, copy)).toEqual(await contentSnapshot(conn, db));
    const live = await mysqlAdapter.fingerprint(workloadFor(server, [copy]), { signal });
    expect(live).toEqual(renameKeys(result.fingerprint, db, copy));
  });
});
