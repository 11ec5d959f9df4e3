/** Wrong credentials give a clear AdapterError that never contains the password. */
import { describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { connectTo, quietProgress, uniqueDb, workloadFor } from './_helpers.ts';

describe('mysql adapter errors', () => {
  it('reports a wrong password clearly without printing it', async () => {
    const server = await useServer('mariadb');
    const secret = 'Wr0ng-Pa55word-zebra';
    const workload = workloadFor({ ...server, password: secret });
    const error = await mysqlAdapter.probe(workload, AbortSignal.timeout(20_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    const e = error as AdapterError;
    expect(e.engine).toBe('mysql');
    expect(e.workload).toBe('shop-db');
    expect(e.message).toMatch(/Access denied for user 'root'/);
    expect(e.message).toMatch(/check the user name and password/);
    expect(e.message).toContain(`${server.host}:${String(server.port)}`);
    const everything = JSON.stringify({
      m: e.message,
      s: e.serverMessage,
      c: String(e.cause),
      stack: e.stack,
    });
    expect(everything).not.toContain(secret);
    expect(e.retryable).toBe(false);
  });

  it('names missing databases', async () => {
    const server = await useServer('mariadb');
    const sink = { put: () => Promise.reject(new Error('nothing should be written')) };
    const run = mysqlAdapter.dump(workloadFor(server, ['no_such_db_here']), sink, {
      strategy: 'logical',
      parallelism: 1,
      signal: AbortSignal.timeout(20_000),
      progress: { bytes: () => undefined, rows: () => undefined, estimate: () => undefined },
    });
    await expect(run).rejects.toThrow(/database\(s\) not found: no_such_db_here/);
  });
});

describe('mysql dump without the RELOAD privilege', () => {
  it('falls back to one consistent stream instead of failing', async () => {
    const server = await useServer('mariadb');
    const admin = await connectTo(server);
    const db = uniqueDb('noreload');
    const user = `lb_${db}`.slice(0, 32);
    const password = 'Pw-for-a-limited-user-1';
    try {
      await admin.query(`CREATE DATABASE \`${db}\``);
      await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY) ENGINE=InnoDB`);
      await admin.query(`INSERT INTO \`${db}\`.t VALUES (1), (2), (3)`);
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
      await admin.query(`GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`${db}\`.* TO '${user}'@'%'`);
      const workload = workloadFor({ ...server, user, password }, [db]);
      const files: string[] = [];
      const sink = {
        async put(name: string, data: AsyncIterable<Uint8Array>) {
          files.push(name);
          for await (const _chunk of data) {
            // drained
          }
          return { bytes: 0 };
        },
      };
      const result = await mysqlAdapter.dump(workload, sink, {
        strategy: 'logical',
        parallelism: 2,
        signal: AbortSignal.timeout(30_000),
        progress: quietProgress,
      });
      expect(result.details.streams).toBe('1');
      expect(result.fingerprint[`${db}.t`]?.rows).toBe(3);
      expect(files).toContain(`data/${db}/t.sql`);
      // users.sql needs mysql.user: this user may not read it, so it is left out.
      expect(files).not.toContain('users.sql');
    } finally {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await admin.end();
    }
  });
});
