/**
 * `npm run demo`: the main job on the embedded default. Starts a local PostgreSQL and
 * MariaDB, seeds a small two-database shop, then runs the real `lifeboat` CLI: create an
 * encrypted local repository, back up both databases as one application (one consistent
 * cut) while a writer keeps placing orders and moving stock, drill the backup (restore into
 * scratch databases, compare fingerprints, drop them), list, verify the repository, restore
 * into new databases (verified against the capture's fingerprints) and export a member for
 * the native tools. Servers are stopped
 * at the end; the repository stays in `.lifeboat/demo` for a look.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { startMariadb, startPostgres } from './index.ts';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.lifeboat', 'demo');
const repo = `file://${join(work, 'repo')}`;
const keyFile = join(work, 'repo.key');

async function lifeboat(args: string[], env: Record<string, string>): Promise<string> {
  process.stdout.write(`\n$ lifeboat ${args.join(' ')}\n`);
  const result = await execa(process.execPath, [join(root, 'engine/cli/main.ts'), ...args], {
    env,
    stdout: ['pipe', 'inherit'],
    stderr: 'inherit',
  });
  return result.stdout.trim();
}

/**
 * The shop keeps working during the backup: each loop places an order in PostgreSQL and
 * then takes its item from stock in MariaDB, each committed on its own.
 */
async function startWriter(
  postgres: Awaited<ReturnType<typeof startPostgres>>,
  mariadb: Awaited<ReturnType<typeof startMariadb>>,
): Promise<{ stop: () => Promise<void>; count: () => number }> {
  const orders = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    user: postgres.user,
    password: postgres.password,
    database: 'orders',
  });
  await orders.connect();
  const stock = await createConnection({
    host: mariadb.host,
    port: mariadb.port,
    user: mariadb.user,
    password: mariadb.password,
    database: 'inventory',
  });
  const state = { running: true, placed: 0 };
  const loop = (async () => {
    for (let id = 1_000_000; state.running; id++) {
      const sku = `sku-${id % 50}`;
      await orders.query(
        `INSERT INTO orders VALUES ($1, 'walk-in', 9.99, now(), jsonb_build_array(jsonb_build_object('sku', $2::text, 'qty', 1)))`,
        [id, sku],
      );
      await stock.query('UPDATE stock SET on_hand = on_hand - 1 WHERE sku = ?', [sku]);
      state.placed++;
    }
  })();
  return {
    count: () => state.placed,
    async stop() {
      state.running = false;
      await loop;
      await orders.end();
      await stock.end();
    },
  };
}

async function main(): Promise<void> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await writeFile(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  process.stdout.write('starting PostgreSQL and MariaDB…\n');
  const [postgres, mariadb] = await Promise.all([startPostgres(), startMariadb()]);
  try {
    const pgClient = new pg.Client({
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: postgres.password,
      database: 'postgres',
    });
    await pgClient.connect();
    await pgClient.query('CREATE DATABASE orders');
    await pgClient.end();
    const orders = new pg.Client({
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: postgres.password,
      database: 'orders',
    });
    await orders.connect();
    await orders.query(`CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2), placed_at timestamptz, items jsonb);
      INSERT INTO orders SELECT g, 'customer-' || (g % 997), (g % 1000) * 1.37, now() - g * interval '1 minute',
        jsonb_build_array(jsonb_build_object('sku', 'sku-' || (g % 50), 'qty', 1 + g % 4)) FROM generate_series(1, 50000) g;`);
    await orders.end();
    const my = await createConnection({
      host: mariadb.host,
      port: mariadb.port,
      user: mariadb.user,
      password: mariadb.password,
      multipleStatements: true,
    });
    await my.query(`CREATE DATABASE inventory; USE inventory;
      CREATE TABLE stock (sku VARCHAR(32) PRIMARY KEY, name VARCHAR(200) NOT NULL, on_hand INT NOT NULL, price DECIMAL(10,2));
      INSERT INTO stock SELECT CONCAT('sku-', seq), CONCAT('Widget № ', seq, ' ✨'), seq * 7 % 300, seq * 0.99 FROM seq_0_to_49;`);
    await my.end();

    const env = {
      LIFEBOAT_DB_PASSWORD_ORDERS: postgres.password,
      LIFEBOAT_DB_PASSWORD_INVENTORY: mariadb.password,
    };
    const pgUrl = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;
    const myUrl = (db: string) => `mysql://${mariadb.user}@${mariadb.host}:${mariadb.port}/${db}`;
    const common = ['--repo', repo, '--key-file', keyFile];
    await lifeboat(['repo', 'init', ...common], env);
    const writer = await startWriter(postgres, mariadb);
    const id = await lifeboat(
      [
        'backup',
        '--app',
        'shop',
        '--db',
        `orders=${pgUrl('orders')}`,
        '--db',
        `inventory=${myUrl('inventory')}`,
        ...common,
      ],
      env,
    ).finally(() => writer.stop());
    process.stdout.write(`(a writer placed ${writer.count()} orders while the backup ran)\n`);
    await lifeboat(['drill', id, ...common], env);
    await lifeboat(['list', ...common], env);
    await lifeboat(['verify', id, ...common], env);
    await lifeboat(
      [
        'restore',
        id,
        '--to',
        `orders=${pgUrl('orders_restored')}`,
        '--to',
        `inventory=${myUrl('inventory_restored')}`,
        ...common,
      ],
      env,
    );
    await lifeboat(['export', id, 'inventory', '-f', join(work, 'inventory.sql'), ...common], env);
    process.stdout.write(`\ndemo done: repository ${repo}\n`);
  } finally {
    await Promise.all([postgres.stop(), mariadb.stop()]);
  }
}

await main();
