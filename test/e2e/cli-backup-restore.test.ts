/**
 * The `lifeboat` CLI as a user runs it, against real PostgreSQL and MariaDB servers and a
 * real local repository: backup of a two-database application, list, restore refusing a
 * non-empty target without --force, restore into new databases verified against the
 * capture's fingerprints, export loadable by psql, bad usage, a wrong password, and a
 * killed backup that leaves nothing visible.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  useServer,
  type MariadbServer,
  type PostgresServer,
  type SharedServer,
} from '../../testcontainers/index.ts';
import { myQuery as myQueryOn, pgQuery as pgQueryOn } from '../_support/sql.ts';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');
const suffix = randomBytes(3).toString('hex');
const PG_DB = `cli_orders_${suffix}`;
const MY_DB = `cli_stock_${suffix}`;

describe('lifeboat CLI: backup, list, restore, export', () => {
  let postgres: SharedServer<PostgresServer>;
  let mariadb: SharedServer<MariadbServer>;
  let work: string;
  let repoArgs: string[];
  let env: Record<string, string>;
  let backupId: string;

  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    execa(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, reject: false, all: true });
  const pgUrl = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;
  const myUrl = (db: string) => `mysql://${mariadb.user}@${mariadb.host}:${mariadb.port}/${db}`;
  const pgQuery = (database: string, sql: string) => pgQueryOn(postgres, database, sql);
  const myQuery = (sql: string) => myQueryOn(mariadb, sql);
  const listIds = async () => {
    const listed = await cli(['list', '-o', 'json', ...repoArgs]);
    expect(listed.exitCode, listed.all).toBe(0);
    return (JSON.parse(listed.stdout) as { backupId: string }[]).map((b) => b.backupId);
  };

  beforeAll(async () => {
    [postgres, mariadb] = await Promise.all([useServer('postgres'), useServer('mariadb')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'));
    const keyFile = join(work, 'key');
    await writeFile(keyFile, randomBytes(32).toString('base64'));
    repoArgs = ['--repo', `file://${join(work, 'repo')}`, '--key-file', keyFile];
    env = { LIFEBOAT_DB_PASSWORD_ORDERS: postgres.password, LIFEBOAT_DB_PASSWORD_STOCK: mariadb.password };
    await pgQuery('postgres', `CREATE DATABASE ${PG_DB}`);
    await pgQuery(
      PG_DB,
      `CREATE TABLE orders (id bigint PRIMARY KEY, customer text, total numeric(12,2), meta jsonb);
       INSERT INTO orders SELECT g, 'c' || g, g * 0.5, jsonb_build_object('n', g) FROM generate_series(1, 20000) g;`,
    );
    await myQuery(`CREATE DATABASE ${MY_DB}; CREATE TABLE ${MY_DB}.stock (sku VARCHAR(20) PRIMARY KEY, qty INT, label VARCHAR(50));
      INSERT INTO ${MY_DB}.stock SELECT CONCAT('s', seq), seq % 17, CONCAT('item ✨ ', seq) FROM ${MY_DB}.seq_1_to_5000;`);
    const init = await cli(['repo', 'init', ...repoArgs]);
    expect(init.exitCode, init.all).toBe(0);
  });

  afterAll(async () => {
    for (const db of [PG_DB, `${PG_DB}_copy`, `${PG_DB}_sql`])
      await pgQuery('postgres', `DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await myQuery(`DROP DATABASE IF EXISTS ${MY_DB}; DROP DATABASE IF EXISTS ${MY_DB}_copy`).catch(
      () => undefined,
    );
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('backs up two databases as one application and prints the id (-o json)', async () => {
    const result = await cli([
      'backup',
      '--app',
      'shop',
      '--db',
      `orders=${pgUrl(PG_DB)}`,
      '--db',
      `stock=${myUrl(MY_DB)}`,
      '-o',
      'json',
      ...repoArgs,
    ]);
    expect(result.exitCode, result.all).toBe(0);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      id: string;
      members: { name: string; strategy: string; markers: { kind: string }[] }[];
    };
    backupId = last.id;
    expect(last.members.map((m) => [m.name, m.strategy]).sort()).toEqual([
      ['orders', 'logical'],
      ['stock', 'logical'],
    ]);
    expect(last.members.find((m) => m.name === 'orders')?.markers.map((m) => m.kind)).toContain('lsn');
    expect(await listIds()).toContain(backupId);
    const shown = await cli(['list', backupId, '-o', 'json', ...repoArgs]);
    expect(shown.exitCode, shown.all).toBe(0);
    const details = JSON.parse(shown.stdout) as {
      labels: Record<string, string>;
      members: {
        name: string;
        strategy: string;
        guarantee: string | null;
        databases: string[];
        fingerprint: Record<string, { rows: number }>;
      }[];
    };
    expect(details.labels.consistency).toBe('app');
    const orders = details.members.find((m) => m.name === 'orders');
    expect(orders?.databases).toEqual([PG_DB]);
    expect(orders?.guarantee).not.toBeNull();
    expect(orders?.fingerprint[`${PG_DB}.public.orders`]?.rows).toBe(20000);
    const table = await cli(['list', backupId, ...repoArgs]);
    expect(table.stdout).toMatch(/^orders +postgres +logical +\S+ +cli_orders_\w+ .* lsn=/m);
    // No password anywhere in what the CLI printed.
    expect(result.all).not.toContain(postgres.password);
    expect(result.all).not.toContain(mariadb.password);
  });

  it('refuses to restore over the non-empty originals without --force', async () => {
    const result = await cli(['restore', backupId, '--only', 'orders', ...repoArgs]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/not empty|non-empty|already/i);
    expect(await pgQuery(PG_DB, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 20000 }]);
  });

  it('restores both members into new databases and verifies them against the capture', async () => {
    const result = await cli([
      'restore',
      backupId,
      '--to',
      `orders=${pgUrl(`${PG_DB}_copy`)}`,
      '--to',
      `stock=${myUrl(`${MY_DB}_copy`)}`,
      ...repoArgs,
    ]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('verified against the capture fingerprints');
    expect(
      await pgQuery(`${PG_DB}_copy`, 'SELECT count(*)::int AS n, sum(total)::text AS s FROM orders'),
    ).toEqual([{ n: 20000, s: '100005000.00' }]);
    expect(await myQuery(`SELECT COUNT(*) AS n, SUM(qty) AS q FROM ${MY_DB}_copy.stock`)).toEqual(
      await myQuery(`SELECT COUNT(*) AS n, SUM(qty) AS q FROM ${MY_DB}.stock`),
    );
  });

  it('exports a member as plain SQL that psql loads without Lifeboat', async () => {
    const file = join(work, 'orders.sql');
    const exported = await cli(['export', backupId, 'orders', '-f', file, ...repoArgs]);
    expect(exported.exitCode, exported.all).toBe(0);
    await pgQuery('postgres', `CREATE DATABASE ${PG_DB}_sql`);
    await execa(
      join(postgres.binDir, 'psql'),
      [
        '-v',
        'ON_ERROR_STOP=1',
        '-q',
        '-h',
        postgres.host,
        '-p',
        String(postgres.port),
        '-U',
        postgres.user,
        '-d',
        `${PG_DB}_sql`,
        '-f',
        file,
      ],
      {
        env: { PGPASSWORD: postgres.password },
      },
    );
    expect(await pgQuery(`${PG_DB}_sql`, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 20000 }]);
  });

  it('exits 2 on bad usage and 1 with a clear, password-free message on a wrong password', async () => {
    const usage = await cli(['backup', '--strategy', 'bogus', '--db', pgUrl(PG_DB), ...repoArgs]);
    expect(usage.exitCode).toBe(2);
    const noDb = await cli(['backup', ...repoArgs]);
    expect(noDb.exitCode).toBe(2);
    expect(noDb.stderr).toContain('at least one --db');
    const wrong = await cli(['backup', '--db', `orders=${pgUrl(PG_DB)}`, ...repoArgs], {
      LIFEBOAT_DB_PASSWORD_ORDERS: 'definitely-wrong-pw',
    });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect(wrong.stderr).not.toContain('definitely-wrong-pw');
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a backup killed mid-run leaves no visible backup', async () => {
    const before = await listIds();
    const child: ResultPromise = execa(
      process.execPath,
      [CLI, 'backup', '--db', `orders=${pgUrl(PG_DB)}`, '-o', 'json', ...repoArgs],
      {
        env,
        reject: false,
      },
    );
    // Kill once the dump phase has started: the backup is open and chunks are being written.
    await new Promise<void>((resolvePromise) => {
      let seen = '';
      child.stdout?.on('data', (data: Buffer) => {
        seen += data.toString();
        if (/"type":"phase.start"[^\n]*"phase":"dump"/.test(seen)) resolvePromise();
      });
      void child.then(() => {
        resolvePromise();
      });
    });
    child.kill('SIGKILL');
    const result = await child;
    expect(result.signal).toBe('SIGKILL');
    expect(await listIds()).toEqual(before);
  });
});
