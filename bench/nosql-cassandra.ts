/**
 * Benchmark: the Cassandra adapter's parallel token-range export against a single-threaded
 * paging export with the same driver, on the same data, in one run, on a private
 * single-node Cassandra 5. Each export runs in its own process (peak RSS is its own).
 *
 * Two baselines, both one query paged to the end and written as JSON lines:
 * - `single-same`: the adapter's own SELECT (every value plus WRITETIME and TTL of every
 *   cell), i.e. the same information the adapter exports: the ratio is against this one;
 * - `single-star`: a plain `SELECT *` (values only, no write times or TTLs), printed for
 *   reference: it asks the server for less than a backup that restores cells exactly needs.
 * CPU seconds of each export process and of the Cassandra process during it are printed
 * too (the node and the client share the same cores).
 * Last line:
 *   cassandra export_vs_single=<rows/s vs single-same> rss_mib=<adapter export peak RSS>
 * Env: BENCH_CASSANDRA_BYTES (payload to generate, default 1 GiB), BENCH_PARALLELISM
 * (default 2). With LIFEBOAT_TEST_CASSANDRA_URL (an existing node) data loaded by an
 * earlier run of the same size is reused (BENCH_CASSANDRA_PID: its process, for CPU figures).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { startCassandra } from '../testcontainers/index.ts';
import { benchNodeFlags } from './_node-flags.ts';

const BYTES = Number(process.env.BENCH_CASSANDRA_BYTES ?? 1024 ** 3);
const here = dirname(fileURLToPath(import.meta.url));
const WORDS =
  'the of and to in is for on that by this with from at as be are or an it was which not have'.split(' ');

/** Random prose-like text (compresses 2–4×, unlike repeated filler). */
const POOL = Array.from({ length: 4096 }, (_, i) => {
  const [a = 0, b = 0, c = 0] = randomBytes(3);
  return a % 3 === 0
    ? (WORDS[(b + i) % WORDS.length] ?? 'x')
    : randomBytes(4)
        .toString('base64')
        .slice(0, 3 + (c % 5));
});
let noise = randomBytes(0);
let at = 0;
function text(n: number): string {
  let s = '';
  while (s.length < n) {
    if (at + 2 > noise.length) {
      noise = randomBytes(1 << 20);
      at = 0;
    }
    s += (POOL[noise.readUInt16LE(at) % POOL.length] ?? 'x') + ' ';
    at += 2;
  }
  return s.slice(0, n);
}

/** Retry a write the overloaded node timed out (this machine is shared). */
async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 10 || !/timeout|timed out/i.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

interface ExportResult {
  readonly rows: number;
  readonly seconds: number;
  readonly rssMib: number;
  /** User + system CPU seconds of the export process. */
  readonly cpuSeconds: number;
  /** CPU seconds the Cassandra process used meanwhile (undefined for an external node). */
  nodeCpuSeconds?: number;
}

/** The Cassandra JVM of a private test node, found by its config path on the command line. */
function nodePid(dataDir: string): number | undefined {
  if (process.env.BENCH_CASSANDRA_PID) return Number(process.env.BENCH_CASSANDRA_PID);
  if (dataDir === '') return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('CassandraDaemon') && cmd.includes(dataDir)) return Number(entry);
    } catch {
      // The process ended meanwhile.
    }
  }
  return undefined;
}

/** utime + stime of a process, in seconds (clock ticks of 100 Hz). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function child(mode: string, env: Record<string, string>, node: number | undefined): Promise<ExportResult> {
  const nodeBefore = processCpuSeconds(node);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...benchNodeFlags(), join(here, 'nosql-cassandra-child.ts'), mode], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`${mode} export exited ${String(code)}`));
        return;
      }
      const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as ExportResult;
      const nodeAfter = processCpuSeconds(node);
      if (nodeBefore !== undefined && nodeAfter !== undefined) result.nodeCpuSeconds = nodeAfter - nodeBefore;
      resolve(result);
    });
  });
}

function describe(label: string, r: ExportResult): string {
  const node = r.nodeCpuSeconds === undefined ? '' : `, cassandra cpu ${r.nodeCpuSeconds.toFixed(1)} s`;
  return `${label}: ${r.seconds.toFixed(1)} s, ${Math.round(r.rows / r.seconds)} rows/s, cpu ${r.cpuSeconds.toFixed(1)} s${node}, rss ${r.rssMib} MiB`;
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
  const rowBytes = 700;
  const total = Math.ceil(BYTES / rowBytes);
  // An external node may hold the data of an earlier run of the same size (bench_meta:
  // k=0 the total of a finished load, k=1 how many rows an interrupted one surely wrote).
  await client.execute(
    `CREATE KEYSPACE IF NOT EXISTS bench_meta WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await client.execute('CREATE TABLE IF NOT EXISTS bench_meta.loaded (k int PRIMARY KEY, total bigint)');
  const meta = async (k: number): Promise<number> => {
    const rs = await client.execute('SELECT total FROM bench_meta.loaded WHERE k = ?', [k], {
      prepare: true,
    });
    return Number(String(rs.rows[0]?.get('total') ?? -1));
  };
  const setMeta = (k: number, n: number): Promise<unknown> =>
    withRetry(() =>
      client.execute('INSERT INTO bench_meta.loaded (k, total) VALUES (?, ?)', [k, n], { prepare: true }),
    );
  // Unlogged batches of rows of one partition: one round trip and one mutation each.
  const perBatch = 40;
  const inFlight = 16;
  if ((await meta(0)) === total) {
    console.log(`reusing ${total} loaded rows (~${Math.round((total * rowBytes) / 2 ** 20)} MiB payload)`);
  } else {
    const resume = await meta(1);
    let from = 0;
    if (resume > 0 && resume < total) {
      from = resume;
      console.log(`resuming an interrupted load at row ${from}`);
    } else {
      await client.execute('DROP KEYSPACE IF EXISTS bench');
      await client.execute(
        `CREATE KEYSPACE bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      await client.execute(
        'CREATE TABLE bench.items (shop int, id bigint, title text, body text, price decimal, qty int, tags set<text>, at timestamp, PRIMARY KEY (shop, id))',
      );
    }
    const insert =
      'INSERT INTO bench.items (shop, id, title, body, price, qty, tags, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
    const t0 = performance.now();
    const pending = new Set<Promise<unknown>>();
    for (let first = from; first < total; first += perBatch) {
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
      if (pending.size >= inFlight) await Promise.race(pending);
      // Every batch issued more than `inFlight` batches ago has completed.
      if ((first / perBatch) % 1000 === 0 && first > from) {
        await setMeta(1, Math.max(0, first - inFlight * perBatch));
      }
    }
    await Promise.all(pending);
    const loadSeconds = (performance.now() - t0) / 1000;
    console.log(
      `loaded ${total - from} rows (~${Math.round(((total - from) * rowBytes) / 2 ** 20)} MiB payload) in ${loadSeconds.toFixed(1)} s`,
    );
    await setMeta(0, total);
    await setMeta(1, -1);
  }
  await client.shutdown();

  const env = {
    BENCH_HOST: server.host,
    BENCH_PORT: String(server.port),
    BENCH_USER: server.user,
    BENCH_PASSWORD: server.password,
    BENCH_KEYSPACE: 'bench',
  };
  const node = nodePid(server.dataDir);
  // Warm the node's caches equally: one untimed single pass first.
  await child('single-same', { ...env, BENCH_OUT: join(dir, 'warm') }, node);
  const star = await child('single-star', { ...env, BENCH_OUT: join(dir, 'star') }, node);
  const single = await child('single-same', { ...env, BENCH_OUT: join(dir, 'single') }, node);
  const adapter = await child('adapter', { ...env, BENCH_OUT: join(dir, 'adapter') }, node);
  if (adapter.rows !== total || single.rows !== total || star.rows !== total) {
    throw new Error(
      `row counts differ: loaded ${total}, single ${single.rows}, select * ${star.rows}, adapter ${adapter.rows}`,
    );
  }
  const rate = (r: ExportResult): number => r.rows / r.seconds;
  console.log(describe('single-threaded paging export, SELECT * (values only)', star));
  console.log(describe("single-threaded paging export, the adapter's SELECT (+WRITETIME/TTL)", single));
  console.log(describe('adapter export (parallel splits, +WRITETIME/TTL per cell)', adapter));
  console.log(`adapter vs SELECT * baseline: ${(rate(adapter) / rate(star)).toFixed(2)}x`);
  if (single.nodeCpuSeconds !== undefined && adapter.nodeCpuSeconds !== undefined) {
    // Where the time goes. The single-threaded export runs node and client one after the
    // other (its wall time is about their CPU summed); the parallel one can at best spread
    // its node + client CPU over the cores. Their quotient estimates the ratio an
    // otherwise idle machine allows.
    const cores = availableParallelism();
    const serial = single.cpuSeconds + single.nodeCpuSeconds;
    const parallel = (adapter.cpuSeconds + adapter.nodeCpuSeconds) / cores;
    console.log(
      `cpu per 1000 rows: cassandra ${((1000 * adapter.nodeCpuSeconds) / adapter.rows).toFixed(3)} s, adapter client ${((1000 * adapter.cpuSeconds) / adapter.rows).toFixed(3)} s, single-threaded client ${((1000 * single.cpuSeconds) / single.rows).toFixed(3)} s; ` +
        `ceiling on an idle ${cores}-core machine: export_vs_single ~ ${(serial / parallel).toFixed(2)}`,
    );
  }
  console.log(
    `cassandra export_vs_single=${(rate(adapter) / rate(single)).toFixed(2)} rss_mib=${adapter.rssMib}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
}
