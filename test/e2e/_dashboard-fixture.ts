/**
 * A real repository for the dashboard tests: an application of two PostgreSQL databases
 * (one cut across both, so each backup records its freeze window), backed up four times
 * with writes in between, and drilled three times: two drills pass, one fails because
 * its scratch copy was altered before verification (the drill's own test seam), so the
 * history holds real per-table differences.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workloadsFromArguments } from '../../engine/model/index.ts';
import { LocalStore, Repository } from '../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runDrill, type DrillReport } from '../../engine/runs/index.ts';
import type { PostgresServer, SharedServer } from '../../testcontainers/index.ts';
import { pgQuery } from '../_support/sql.ts';

export interface DashboardFixture {
  readonly app: string;
  readonly repoUrl: string;
  readonly keyFile: string;
  readonly repo: Repository;
  readonly backupIds: readonly string[];
  readonly drills: readonly DrillReport[];
  /** The table the failed drill found different (as captured). */
  readonly differingTable: string;
  cleanup(): Promise<void>;
}

const quiet = { signal: new AbortController().signal, onEvent: () => undefined };

export async function buildDashboardFixture(
  postgres: SharedServer<PostgresServer>,
): Promise<DashboardFixture> {
  const suffix = randomBytes(3).toString('hex');
  const orders = `dash_orders_${suffix}`;
  const stock = `dash_stock_${suffix}`;
  const app = `webshop-${suffix}`;
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-dashboard-'));
  const keyFile = join(work, 'key');
  const key = randomBytes(32).toString('base64');
  await writeFile(keyFile, key);
  const store = new LocalStore(join(work, 'repo'));
  await Repository.init(store, { key: Buffer.from(key) });
  const repo = await Repository.open(store, { key: Buffer.from(key) });
  const sql = (db: string, text: string) => pgQuery(postgres, db, text);
  const url = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;

  await sql('postgres', `CREATE DATABASE ${orders}`);
  await sql('postgres', `CREATE DATABASE ${stock}`);
  await sql(
    orders,
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer text, total numeric(12,2));
     CREATE TABLE notes (id int PRIMARY KEY, body text);
     INSERT INTO orders SELECT g, 'customer ' || g, g * 0.5 FROM generate_series(1, 20000) g;
     INSERT INTO notes SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 500) g;`,
  );
  await sql(
    stock,
    `CREATE TABLE stock (sku text PRIMARY KEY, qty int);
     INSERT INTO stock SELECT 'sku-' || g, g % 17 FROM generate_series(1, 8000) g;`,
  );
  const setup = await loadEngineSetup();
  const workloads = workloadsFromArguments(
    [`orders=${url(orders)}`, `stock=${url(stock)}`],
    [],
    () => postgres.password,
  );
  const backupIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    if (i > 0)
      await sql(
        orders,
        `INSERT INTO orders SELECT g, 'customer ' || g, g * 0.25 FROM generate_series(${20000 + i * 15000 + 1}, ${20000 + (i + 1) * 15000}) g`,
      );
    const { manifest } = await runBackup(
      { application: { name: app, workloads }, options: { parallelism: 2, consistency: 'app' } },
      setup,
      repo,
      quiet,
    );
    backupIds.push(manifest.backupId);
  }
  const drill = (backupId: string, alter?: (tag: string) => Promise<void>) => {
    const tag = randomBytes(3).toString('hex');
    return runDrill(
      {
        backupId,
        scratch: {},
        keep: false,
        parallelism: 2,
        passwordFor: () => postgres.password,
        tag,
        ...(alter && { beforeVerify: () => alter(tag) }),
      },
      setup,
      repo,
      quiet,
    );
  };
  const drills = [
    await drill(backupIds[1] ?? ''),
    // What a drill exists to catch: the restored copy is not what was captured.
    await drill(backupIds[2] ?? '', async (tag) => {
      await sql(`${stock}_drill_${tag}`, `DELETE FROM stock WHERE sku = 'sku-7'`);
    }),
    await drill(backupIds[3] ?? ''),
  ];
  return {
    app,
    repoUrl: `file://${join(work, 'repo')}`,
    keyFile,
    repo,
    backupIds,
    drills,
    differingTable: `${stock}.public.stock`,
    async cleanup() {
      for (const db of [orders, stock])
        await sql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    },
  };
}
