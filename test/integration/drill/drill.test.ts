/**
 * Restore drills against real PostgreSQL and MariaDB servers and a real local repository:
 * a drill of a two-database backup passes, leaves no scratch database behind, stores its
 * report (shown by `lifeboat list`); a scratch copy that differs from the capture fails
 * the drill naming the table; a scratch server that refuses the restore fails it too
 * (exit 1 from the CLI) and still cleans up.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadsFromArguments } from '../../../engine/model/index.ts';
import { loadKeySecret, LocalStore, Repository } from '../../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runDrill, type DrillReport } from '../../../engine/runs/index.ts';
import {
  useServer,
  type MariadbServer,
  type PostgresServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { myQuery as myQueryOn, pgQuery as pgQueryOn } from '../../_support/sql.ts';

const CLI = resolve(import.meta.dirname, '../../../engine/cli/main.ts');
const suffix = randomBytes(3).toString('hex');
const PG_DB = `drill_orders_${suffix}`;
const MY_DB = `drill_stock_${suffix}`;
const quiet = { signal: new AbortController().signal, onEvent: () => undefined };

describe('lifeboat drill', () => {
  let postgres: SharedServer<PostgresServer>;
  let mariadb: SharedServer<MariadbServer>;
  let work: string;
  let repoArgs: string[];
  let keyFile: string;
  let env: Record<string, string>;
  let backupId: string;

  const pgUrl = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;
  const myUrl = (db: string) => `mysql://${mariadb.user}@${mariadb.host}:${mariadb.port}/${db}`;
  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    execa(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, reject: false, all: true });
  const pgQuery = (database: string, sql: string) => pgQueryOn(postgres, database, sql);
  const myQuery = (sql: string) => myQueryOn(mariadb, sql);
  /** Databases whose name marks them as this test's drill scratch copies. */
  const scratchLeft = async () => {
    const pgDbs = await pgQuery(
      'postgres',
      `SELECT datname FROM pg_database WHERE datname LIKE '${PG_DB}_drill_%'`,
    );
    const myDbs = await myQuery(
      `SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE '${MY_DB}\\_drill\\_%'`,
    );
    return [...pgDbs.map((r) => String(r.datname)), ...myDbs.map((r) => String(r.name))];
  };
  const openRepo = async () =>
    Repository.open(new LocalStore(join(work, 'repo')), {
      key: loadKeySecret({ keyFile }) ?? Buffer.alloc(0),
    });
  const passwordFor = (member: string) => (member === 'orders' ? postgres.password : mariadb.password);

  beforeAll(async () => {
    [postgres, mariadb] = await Promise.all([useServer('postgres'), useServer('mariadb')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-drill-'));
    keyFile = join(work, 'key');
    const key = randomBytes(32).toString('base64');
    await writeFile(keyFile, key);
    repoArgs = ['--repo', `file://${join(work, 'repo')}`, '--key-file', keyFile];
    env = {
      KEY: key,
      LIFEBOAT_DB_PASSWORD_ORDERS: postgres.password,
      LIFEBOAT_DB_PASSWORD_STOCK: mariadb.password,
    };
    await pgQuery('postgres', `CREATE DATABASE ${PG_DB}`);
    await pgQuery(
      PG_DB,
      `CREATE TABLE orders (id bigint PRIMARY KEY, customer text, total numeric(12,2));
       CREATE TABLE notes (id int PRIMARY KEY, body text);
       INSERT INTO orders SELECT g, 'c' || g, g * 0.5 FROM generate_series(1, 5000) g;
       INSERT INTO notes SELECT g, repeat('n', g) FROM generate_series(1, 50) g;`,
    );
    await myQuery(`CREATE DATABASE ${MY_DB}; CREATE TABLE ${MY_DB}.stock (sku VARCHAR(20) PRIMARY KEY, qty INT);
      INSERT INTO ${MY_DB}.stock SELECT CONCAT('s', seq), seq % 17 FROM ${MY_DB}.seq_1_to_2000;`);
    const init = await cli(['repo', 'init', ...repoArgs]);
    expect(init.exitCode, init.all).toBe(0);
    const setup = await loadEngineSetup();
    const workloads = workloadsFromArguments(
      [`orders=${pgUrl(PG_DB)}`, `stock=${myUrl(MY_DB)}`],
      [],
      passwordFor,
    );
    const { manifest } = await runBackup(
      { application: { name: 'drillshop', workloads }, options: { parallelism: 2, consistency: 'app' } },
      setup,
      await openRepo(),
      quiet,
    );
    backupId = manifest.backupId;
  });

  afterAll(async () => {
    await pgQuery('postgres', `DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`).catch(() => undefined);
    await myQuery(`DROP DATABASE IF EXISTS ${MY_DB}`).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('passes on a good backup, drops its scratch databases and stores the report shown by list', async () => {
    const result = await cli(['drill', backupId, '-o', 'json', ...repoArgs]);
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as DrillReport;
    expect(report.passed).toBe(true);
    expect(report.members.map((m) => [m.member, m.passed, m.cleanup]).sort()).toEqual([
      ['orders', true, 'dropped'],
      ['stock', true, 'dropped'],
    ]);
    const orders = report.members.find((m) => m.member === 'orders');
    expect(orders?.databases).toEqual([
      {
        original: PG_DB,
        scratch: expect.stringMatching(new RegExp(`^${PG_DB}_drill_[0-9a-f]{6}$`)) as unknown,
        passed: true,
      },
    ]);
    expect(orders?.verify.tables).toBe(2);
    expect(report.bytesRestored).toBeGreaterThan(0);
    expect(report.restoreMs).toBeGreaterThan(0);
    expect(await scratchLeft()).toEqual([]);

    const listed = await cli(['list', '-o', 'json', ...repoArgs]);
    expect(listed.exitCode, listed.all).toBe(0);
    const backups = JSON.parse(listed.stdout) as {
      backupId: string;
      lastDrill: { passed: boolean } | null;
    }[];
    expect(backups.find((b) => b.backupId === backupId)?.lastDrill?.passed).toBe(true);
    const table = await cli(['list', ...repoArgs]);
    expect(table.stdout).toMatch(/LAST DRILL/);
    expect(table.stdout).toMatch(new RegExp(`${backupId}.*passed`));
  });

  it('fails naming the table when a scratch copy differs from the capture, and still cleans up', async () => {
    const tag = randomBytes(3).toString('hex');
    const repo = await openRepo();
    const report = await runDrill(
      {
        backupId,
        scratch: {},
        keep: false,
        parallelism: 2,
        passwordFor,
        tag,
        // What a drill exists to catch: the restored copy is not what was captured.
        beforeVerify: async () => {
          await pgQuery(`${PG_DB}_drill_${tag}`, `UPDATE notes SET body = 'changed' WHERE id = 7`);
          await myQuery(`DELETE FROM ${MY_DB}_drill_${tag}.stock WHERE sku = 's1'`);
        },
      },
      await loadEngineSetup(),
      repo,
      quiet,
    );
    expect(report.passed).toBe(false);
    const orders = report.members.find((m) => m.member === 'orders');
    expect(orders?.passed).toBe(false);
    expect(orders?.differences.map((d) => d.table)).toEqual([`${PG_DB}.public.notes`]);
    expect(orders?.differences[0]?.expected?.rows).toBe(50);
    expect(orders?.differences[0]?.actual?.rows).toBe(50);
    expect(orders?.differences[0]?.actual?.hash).not.toBe(orders?.differences[0]?.expected?.hash);
    const stock = report.members.find((m) => m.member === 'stock');
    expect(stock?.differences.map((d) => [d.table, d.expected?.rows, d.actual?.rows])).toEqual([
      [`${MY_DB}.stock`, 2000, 1999],
    ]);
    expect(await scratchLeft()).toEqual([]);
    const reports = await repo.readReports(backupId, 'drill');
    expect((reports.at(-1)?.report as DrillReport).passed).toBe(false);
  });

  it('refuses scratch names that already exist, and leaves those databases alone', async () => {
    const tag = randomBytes(3).toString('hex');
    const taken = `${PG_DB}_drill_${tag}`;
    await pgQuery('postgres', `CREATE DATABASE ${taken}`);
    try {
      await expect(
        runDrill(
          { backupId, scratch: {}, keep: false, parallelism: 1, passwordFor, tag },
          await loadEngineSetup(),
          await openRepo(),
          quiet,
        ),
      ).rejects.toThrow(new RegExp(`${taken} already exist`));
      expect(await scratchLeft()).toEqual([taken]);
    } finally {
      await pgQuery('postgres', `DROP DATABASE IF EXISTS ${taken}`);
    }
  });

  it('exits 1 when a scratch server refuses the restore, reporting why and dropping the rest', async () => {
    const result = await cli(['drill', backupId, '--scratch', `stock=${myUrl('x')}`, ...repoArgs], {
      LIFEBOAT_DB_PASSWORD_STOCK: 'wrong-password',
    });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(/FAILED/);
    expect(result.stdout).toMatch(/FAIL\s+stock/);
    expect(result.all).not.toContain('wrong-password');
    expect(result.stdout).toMatch(/stock .*scratch not dropped/);
    expect(result.stdout).toMatch(/orders .*scratch dropped/);
    expect(await scratchLeft()).toEqual([]);
  });
});
