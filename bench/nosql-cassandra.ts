/**
 * Benchmark: the Cassandra adapter's parallel token-range export against a single-threaded
 * paging export with the same driver, on the same data, in one run, on a private
 * single-node Cassandra 5. Each export runs in its own process (peak RSS is its own).
 * Last line:
 *   cassandra export_vs_single=<rows/s ratio> rss_mib=<adapter export peak RSS>
 * Env: BENCH_CASSANDRA_BYTES (payload to generate, default 256 MiB: loading through the
 * driver on a shared 2-core machine runs at a few MB/s, so the 1 GiB is scaled
 * down; set 1073741824 for the full size), BENCH_PARALLELISM (default 2).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { startCassandra } from '../testcontainers/index.ts';
import { benchNodeFlags } from './_node-flags.ts';

const BYTES = Number(process.env.BENCH_CASSANDRA_BYTES ?? 256 * 1024 ** 2);
const here = dirname(fileURLToPath(import.meta.url));
const WORDS =
  'the of and to in is for on that by this with from at as be are or an it was which not have'.split(' ');

/** Random prose-like text (compresses 2–4×, unlike repeated filler). */
function text(n: number): string {
  let s = '';
  while (s.length < n) {
    const [a = 0, b = 0, c = 0] = randomBytes(3);
    s +=
      (a % 3 === 0
        ? (WORDS[b % WORDS.length] ?? 'x')
        : randomBytes(4)
            .toString('base64')
            .slice(0, 3 + (c % 5))) + ' ';
  }
  return s.slice(0, n);
}

/** Retry a write the overloaded node timed out (this machine is shared). */
async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 5 || !/timeout|timed out/i.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

function child(
  mode: string,
  env: Record<string, string>,
): Promise<{ rows: number; seconds: number; rssMib: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...benchNodeFlags(), join(here, 'nosql-cassandra-child.ts'), mode], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${mode} export exited ${String(code)}`));
      else
        resolve(
          JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
            rows: number;
            seconds: number;
            rssMib: number;
          },
        );
    });
  });
}

const server = await startCassandra({ name: 'cassandra-bench' });
const dir = mkdtempSync(join(tmpdir(), 'lifeboat-cassandra-bench-'));
try {
  const client = new cassandra.Client({
    contactPoints: [`${server.host}:${server.port}`],
    localDataCenter: server.localDataCenter,
    credentials: { username: server.user, password: server.password },
    socketOptions: { readTimeout: 120_000 },
  });
  await client.connect();
  await client.execute(
    `CREATE KEYSPACE bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await client.execute(
    'CREATE TABLE bench.items (shop int, id bigint, title text, body text, price decimal, qty int, tags set<text>, at timestamp, PRIMARY KEY (shop, id))',
  );
  const insert =
    'INSERT INTO bench.items (shop, id, title, body, price, qty, tags, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
  const rowBytes = 700;
  const total = Math.ceil(BYTES / rowBytes);
  const t0 = performance.now();
  const pending = new Set<Promise<unknown>>();
  // Unlogged batches of rows of one partition: one round trip and one mutation each.
  const perBatch = 40;
  for (let first = 0; first < total; first += perBatch) {
    const queries: { query: string; params: unknown[] }[] = [];
    for (let i = first; i < Math.min(total, first + perBatch); i++) {
      queries.push({
        query: insert,
        params: [
          Math.floor(first / perBatch) % 5000,
          cassandra.types.Long.fromNumber(i),
          text(40),
          text(600),
          cassandra.types.BigDecimal.fromString(`${i % 10000}.${i % 100}`),
          i % 97,
          [`t${i % 13}`, `c${i % 7}`],
          new Date(1_700_000_000_000 + i * 1000),
        ],
      });
    }
    const p = withRetry(() => client.batch(queries, { prepare: true, logged: false }));
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= 16) await Promise.race(pending);
  }
  await Promise.all(pending);
  const loadSeconds = (performance.now() - t0) / 1000;
  console.log(
    `loaded ${total} rows (~${Math.round((total * rowBytes) / 2 ** 20)} MiB payload) in ${loadSeconds.toFixed(1)} s`,
  );
  await client.shutdown();

  const env = {
    BENCH_HOST: server.host,
    BENCH_PORT: String(server.port),
    BENCH_USER: server.user,
    BENCH_PASSWORD: server.password,
    BENCH_KEYSPACE: 'bench',
  };
  // Warm the node's caches equally: one untimed single pass first.
  await child('single', { ...env, BENCH_OUT: join(dir, 'warm') });
  const single = await child('single', { ...env, BENCH_OUT: join(dir, 'single') });
  const adapter = await child('adapter', { ...env, BENCH_OUT: join(dir, 'adapter') });
  if (adapter.rows !== total || single.rows !== total) {
    throw new Error(`row counts differ: loaded ${total}, single ${single.rows}, adapter ${adapter.rows}`);
  }
  const singleRate = single.rows / single.seconds;
  const adapterRate = adapter.rows / adapter.seconds;
  console.log(
    `single-threaded paging export: ${single.seconds.toFixed(1)} s, ${Math.round(singleRate)} rows/s, rss ${single.rssMib} MiB`,
  );
  console.log(
    `adapter export (parallel splits, +WRITETIME/TTL per cell): ${adapter.seconds.toFixed(1)} s, ${Math.round(adapterRate)} rows/s, rss ${adapter.rssMib} MiB`,
  );
  console.log(
    `cassandra export_vs_single=${(adapterRate / singleRate).toFixed(2)} rss_mib=${adapter.rssMib}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
}
