/**
 * Benchmark: the write stall of the application-consistent cut under load. Private
 * PostgreSQL and MariaDB servers; writers insert at full speed into both (autocommit, one
 * row per statement); the same writers run first with no backup (baseline), then while
 * FREEZE_N app-consistent backups of the two databases run back to back into a local
 * repository, then with no backup again (the baseline is the mean of both quiet phases).
 * Prints the fence window distribution (result.cut.fenceWindowMs: first fence taken →
 * last fence released), the worst single insert latency seen by the writers, and the
 * writer throughput loss during backups. On a small machine the loss includes CPU the
 * backups take from the writers, not only the fence. Last line:
 *   freeze p50_ms=<n> p99_ms=<n> max_ms=<n> writer_loss_pct=<n>
 * Env: FREEZE_N (backups, default 30), FREEZE_WRITERS (per database, default 2),
 * FREEZE_QUIET_MS (each quiet phase, default 5000), FREEZE_ROWS (seed rows, default 50000),
 * FREEZE_FERRETDB_DOCS (default 0: no third member; N > 0 adds a FerretDB member seeded with
 * N documents, not written during the run so every backup reads the same size: it cannot
 * pin a snapshot, so the cut reads it whole inside the fence window, and the window grows
 * with N; writer figures stay PostgreSQL + MariaDB only).
 * Also prints the median time of each cut step (prepareCut runs before the first fence).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { workloadsFromArguments } from '../engine/model/index.ts';
import { LocalStore, Repository } from '../engine/repository/index.ts';
import { loadEngineSetup, runBackup } from '../engine/runs/index.ts';
import { MongoClient } from 'mongodb';
import type { RunEvent } from '../engine/executor/index.ts';
import { startFerretdb, startMariadb, startPostgres, type FerretdbServer } from '../testcontainers/index.ts';

const N = Number(process.env.FREEZE_N ?? 30);
const WRITERS = Number(process.env.FREEZE_WRITERS ?? 2);
const QUIET_MS = Number(process.env.FREEZE_QUIET_MS ?? 5000);
const ROWS = Number(process.env.FREEZE_ROWS ?? 50_000);
const FERRETDB_DOCS = Number(process.env.FREEZE_FERRETDB_DOCS ?? 0);
const quiet = { signal: new AbortController().signal, onEvent: () => undefined };

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

interface Counters {
  ops: number;
  maxLatencyMs: number;
  /** Worst insert latency per database. */
  max: { postgres: number; mariadb: number };
  /** Inserts that took over 100 ms. */
  slow: number;
}

async function main(): Promise<void> {
  const [postgres, mariadb] = await Promise.all([startPostgres(), startMariadb()]);
  const ferretdb: FerretdbServer | undefined = FERRETDB_DOCS > 0 ? await startFerretdb() : undefined;
  const mongo = ferretdb
    ? new MongoClient(`mongodb://${ferretdb.host}:${ferretdb.port}/?authSource=admin`, {
        directConnection: true,
        auth: { username: ferretdb.user, password: ferretdb.password },
      })
    : undefined;
  const work = mkdtempSync(join(tmpdir(), 'lifeboat-freeze-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const pgOpts = {
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: postgres.password,
    };
    const myOpts = { host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password };
    const admin = new pg.Client({ ...pgOpts, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE shop');
    await admin.end();
    const seedPg = new pg.Client({ ...pgOpts, database: 'shop' });
    await seedPg.connect();
    await seedPg.query(`CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2));
      INSERT INTO orders SELECT g, 'customer-' || g % 997, g % 1000 * 1.37 FROM generate_series(1, ${ROWS}) g;`);
    await seedPg.end();
    const seedMy = await createConnection({ ...myOpts, multipleStatements: true });
    await seedMy.query(`CREATE DATABASE stock; USE stock;
      CREATE TABLE moves (id BIGINT PRIMARY KEY, sku VARCHAR(32) NOT NULL, qty INT NOT NULL);
      INSERT INTO moves SELECT seq, CONCAT('sku-', seq % 50), seq % 7 FROM seq_1_to_${ROWS};`);
    await seedMy.end();
    if (mongo) {
      await mongo.connect();
      const events = mongo.db('events').collection<{ _id: number; kind: string; n: number }>('events');
      for (let i = 0; i < FERRETDB_DOCS; i += 1000)
        await events.insertMany(
          Array.from({ length: Math.min(1000, FERRETDB_DOCS - i) }, (_, j) => ({
            _id: i + j + 1,
            kind: `kind-${(i + j) % 13}`,
            n: i + j,
          })),
        );
    }

    const counters: Counters = {
      ops: 0,
      maxLatencyMs: 0,
      max: { postgres: 0, mariadb: 0 },
      slow: 0,
    };
    const state = { running: true };
    const loops: Promise<void>[] = [];
    const timed = async (db: 'postgres' | 'mariadb', write: () => Promise<unknown>) => {
      const t = performance.now();
      await write();
      const ms = performance.now() - t;
      counters.ops++;
      if (ms > counters.maxLatencyMs) counters.maxLatencyMs = ms;
      if (ms > counters.max[db]) counters.max[db] = ms;
      if (ms > 100) counters.slow++;
    };
    for (let w = 0; w < WRITERS; w++) {
      const client = new pg.Client({ ...pgOpts, database: 'shop' });
      await client.connect();
      const conn = await createConnection({ ...myOpts, database: 'stock' });
      let pgId = 10_000_000 * (w + 1);
      let myId = 10_000_000 * (w + 1);
      loops.push(
        (async () => {
          while (state.running)
            await timed('postgres', () =>
              client.query("INSERT INTO orders VALUES ($1, 'bench', 1.00)", [pgId++]),
            );
        })(),
        (async () => {
          while (state.running)
            await timed('mariadb', () => conn.query("INSERT INTO moves VALUES (?, 'sku-1', 1)", [myId++]));
        })(),
      );
      stops.push(async () => {
        await client.end();
        await conn.end();
      });
    }
    const phase = async <T>(run: () => Promise<T>) => {
      counters.ops = 0;
      counters.maxLatencyMs = 0;
      counters.max = { postgres: 0, mariadb: 0 };
      counters.slow = 0;
      const t = performance.now();
      const value = await run();
      const ms = performance.now() - t;
      return {
        value,
        opsPerS: (counters.ops / ms) * 1000,
        maxLatencyMs: counters.maxLatencyMs,
        max: { ...counters.max },
        slow: counters.slow,
        ms,
      };
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const store = new LocalStore(join(work, 'repo'));
    await Repository.init(store);
    const repo = await Repository.open(store);
    const setup = await loadEngineSetup();
    const workloads = workloadsFromArguments(
      [
        `orders=postgres://${postgres.user}@${postgres.host}:${postgres.port}/shop`,
        `stock=mysql://${mariadb.user}@${mariadb.host}:${mariadb.port}/stock`,
        ...(ferretdb
          ? [`events=mongodb://${ferretdb.user}@${ferretdb.host}:${ferretdb.port}/events?authSource=admin`]
          : []),
      ],
      [],
      (name) =>
        name === 'orders'
          ? postgres.password
          : name === 'stock'
            ? mariadb.password
            : (ferretdb?.password ?? ''),
    );
    // Time of each cut step, summed over members per backup (prepareCut is outside the window).
    const stepTimes = new Map<string, number[]>();
    const onEvent = (event: RunEvent) => {
      if (event.type !== 'cut.end') return;
      const perOp = new Map<string, number>();
      for (const step of event.steps) perOp.set(step.op, (perOp.get(step.op) ?? 0) + step.ms);
      for (const [op, ms] of perOp) stepTimes.set(op, [...(stepTimes.get(op) ?? []), ms]);
    };

    await sleep(1000); // warm-up
    const before = await phase(() => sleep(QUIET_MS));
    const during = await phase(async () => {
      const windows: number[] = [];
      for (let i = 0; i < N; i++) {
        const { result } = await runBackup(
          { application: { name: 'shop', workloads }, options: { parallelism: 1, consistency: 'app' } },
          setup,
          repo,
          { ...quiet, onEvent },
        );
        windows.push(result.cut?.fenceWindowMs ?? Number.NaN);
      }
      return windows;
    });
    const after = await phase(() => sleep(QUIET_MS));
    state.running = false;
    await Promise.all(loops);

    const windows = [...during.value].sort((a, b) => a - b);
    const baseline = (before.opsPerS + after.opsPerS) / 2;
    const loss = Math.max(0, (1 - during.opsPerS / baseline) * 100);
    const r = (x: number) => Math.round(x);
    process.stdout.write(
      `backups=${N} writers=${WRITERS}x2 seed_rows=${ROWS}/db backup_phase_s=${(during.ms / 1000).toFixed(1)}\n` +
        `fence window ms: min=${r(windows[0] ?? 0)} p50=${r(percentile(windows, 50))} p90=${r(percentile(windows, 90))} p99=${r(percentile(windows, 99))} max=${r(windows.at(-1) ?? 0)}\n` +
        `writer inserts/s: quiet_before=${r(before.opsPerS)} during_backups=${r(during.opsPerS)} quiet_after=${r(after.opsPerS)}\n` +
        `writer worst insert latency ms: quiet=${r(Math.max(before.maxLatencyMs, after.maxLatencyMs))} during_backups=${r(during.maxLatencyMs)} (postgres=${r(during.max.postgres)} mariadb=${r(during.max.mariadb)})\n` +
        `inserts over 100 ms: quiet=${before.slow + after.slow} during_backups=${during.slow}\n` +
        (ferretdb ? `ferretdb member: ${FERRETDB_DOCS} documents, read inside the fence window\n` : '') +
        `cut steps p50 ms (summed over members): ${[...stepTimes]
          .map(
            ([op, values]) =>
              `${op}=${r(
                percentile(
                  [...values].sort((a, b) => a - b),
                  50,
                ),
              )}`,
          )
          .join(' ')}\n` +
        `freeze p50_ms=${r(percentile(windows, 50))} p99_ms=${r(percentile(windows, 99))} max_ms=${r(windows.at(-1) ?? 0)} writer_loss_pct=${loss.toFixed(1)}\n`,
    );
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await mongo?.close().catch(() => undefined);
    await Promise.all([postgres.stop(), mariadb.stop(), ferretdb?.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
