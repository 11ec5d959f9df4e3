/**
 * The write fence against a real MariaDB: FTWRL gives up fast (retryable) while a long
 * write runs instead of stalling writers; BACKUP STAGE does not wait for long statements
 * yet blocks commits while held; release is idempotent; a killed holder's lock goes
 * with its session.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { acquireFence, mysqlAdapter, resolveTarget } from '../../../adapters/mysql/index.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { useServer, type MariadbServer, type SharedServer } from '../../../testcontainers/index.ts';
import { connectTo, uniqueDb, workloadFor } from './_helpers.ts';

/** Resolves with the elapsed ms once `p` settles, or 'pending' if it is still running after `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<number | 'pending'> {
  const t0 = Date.now();
  const done = p.then(
    () => Date.now() - t0,
    () => Date.now() - t0,
  );
  const timer = new Promise<'pending'>((resolve) =>
    setTimeout(() => {
      resolve('pending');
    }, ms),
  );
  return Promise.race([done, timer]);
}

describe('mysql freeze', () => {
  let server: SharedServer<MariadbServer>;
  let admin: Connection;
  let writer: Connection;
  let longRunner: Connection;
  const db = uniqueDb('fence');

  beforeAll(async () => {
    server = await useServer('mariadb');
    admin = await connectTo(server);
    writer = await connectTo(server);
    longRunner = await connectTo(server);
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.slow (id INT PRIMARY KEY, v INT) ENGINE=InnoDB`);
    await admin.query(
      `CREATE TABLE \`${db}\`.w (id INT AUTO_INCREMENT PRIMARY KEY, at VARCHAR(30)) ENGINE=InnoDB`,
    );
    await admin.query(`INSERT INTO \`${db}\`.slow VALUES (1, 0)`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    for (const c of [admin, writer, longRunner]) await c.end();
  });

  const insert = (): Promise<unknown> => writer.query(`INSERT INTO \`${db}\`.w (at) VALUES (NOW())`);

  it('FTWRL fails fast and retryable while a long write runs, stalling writers only until its deadline', async () => {
    const long = longRunner.query(`UPDATE \`${db}\`.slow SET v = IF(SLEEP(4), v, v + 1)`);
    await new Promise((r) => setTimeout(r, 300));
    const target = resolveTarget(workloadFor(server), 'primary');
    const t0 = Date.now();
    const freeze = acquireFence(target, {
      deadlineMs: 600,
      signal: AbortSignal.timeout(10_000),
      method: 'ftwrl',
    });
    await new Promise((r) => setTimeout(r, 100));
    const write = insert();
    const error = await freeze.catch((e: unknown) => e);
    const freezeMs = Date.now() - t0;
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).retryable).toBe(true);
    expect((error as AdapterError).message).toMatch(/could not block writes within 600 ms/);
    expect(freezeMs).toBeLessThan(1_500);
    // The writer that queued behind the pending lock goes through once the freeze gave up.
    expect(await settlesWithin(write, 1_500)).not.toBe('pending');
    await long;
  });

  it('BACKUP STAGE does not wait for a long write, blocks commits while held, and releases idempotently', async () => {
    const long = longRunner.query(`UPDATE \`${db}\`.slow SET v = IF(SLEEP(3), v, v + 1)`);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const fence = await mysqlAdapter.freeze(workloadFor(server), {
      deadlineMs: 2_000,
      signal: AbortSignal.timeout(10_000),
    });
    expect(Date.now() - t0).toBeLessThan(1_000);
    const write = insert();
    expect(await settlesWithin(write, 700)).toBe('pending');
    await fence.release();
    await fence.release();
    expect(await settlesWithin(write, 2_000)).not.toBe('pending');
    await long;
  });

  it('drops the lock when the process holding it is killed', async () => {
    const holder = spawn(process.execPath, [fileURLToPath(new URL('./_fence-holder.ts', import.meta.url))], {
      env: {
        ...process.env,
        FENCE_PORT: String(server.port),
        FENCE_HOST: server.host,
        FENCE_USER: server.user,
        MYSQL_PWD: server.password,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(holder.stdout, 'data')) as [Buffer];
      expect(line.toString()).toContain('held');
      const write = insert();
      expect(await settlesWithin(write, 700)).toBe('pending');
      holder.kill('SIGKILL');
      expect(await settlesWithin(write, 3_000)).not.toBe('pending');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
