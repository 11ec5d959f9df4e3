/**
 * Benchmark: the MongoDB adapter against the driver's plain `find()` → file baseline, on
 * the same generated documents, in one run, on a private FerretDB (SQLite). "Native" is
 * that driver baseline because mongodump/mongorestore cannot be built here (the Go proxy
 * refuses github.com/mongodb/mongo-tools). Baseline dump: one stream, decoded documents
 * re-encoded to a BSON file (no compression). Baseline restore: that file → insertMany
 * batches of 1000, one stream. Lifeboat: dump with 2 streams into a local repository
 * (zstd + AES-256-GCM + dedup), load with 2 streams; each run is its own process so its
 * peak RSS is its own. The restored copy is checked against the capture fingerprint.
 * Last line:  mongodb backup_vs_native=<r> restore_vs_native=<r> rss_mib=<n>
 * Env: BENCH_STREAMS (Lifeboat parallelism, default 2), BENCH_BYTES (BSON bytes to generate, default 128 MiB: FerretDB on SQLite ingests
 * a few MB/s, so 1 GiB takes most of an hour on 2 shared cores), BENCH_SEED (default 42).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BSON, MongoClient, type Document } from 'mongodb';
import { mongodbAdapter } from '../adapters/mongodb/index.ts';
import type { Fingerprint, Workload } from '../engine/model/index.ts';
import { LocalStore, Repository } from '../engine/repository/index.ts';
import { startFerretdb } from '../testcontainers/index.ts';
import { order, rng } from './nosql-mongodb-data.ts';
import { benchNodeFlags } from './_node-flags.ts';

const BYTES = Number(process.env.BENCH_BYTES ?? 128 * 1024 * 1024);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 2);
const COLLECTIONS = ['orders_a', 'orders_b', 'orders_c', 'orders_d'];
const here = dirname(fileURLToPath(import.meta.url));
const MB = 1e6;

function du(path: string): number {
  const st = statSync(path);
  if (st.isFile()) return st.size;
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

type ChildOut = Record<string, unknown> & { seconds: number; maxRssKiB: number };

async function child(args: readonly string[], env: Record<string, string>): Promise<ChildOut> {
  const t0 = performance.now();
  const p = spawn(process.execPath, [...benchNodeFlags(), join(here, 'nosql-mongodb-child.ts'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number>((resolve) => {
    p.on('close', (c) => {
      resolve(c ?? -1);
    });
  });
  if (code !== 0) throw new Error(`bench child ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`);
  const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildOut;
  return { ...out, seconds: (performance.now() - t0) / 1000 };
}

const server = await startFerretdb({ name: 'bench-ferretdb' });
const work = mkdtempSync(join(tmpdir(), 'lifeboat-bench-mongo-'));
const client = new MongoClient(`mongodb://${server.host}:${server.port}/?authSource=admin`, {
  directConnection: true,
  auth: { username: server.user, password: server.password },
});
try {
  console.log(`FerretDB ${server.version} (SQLite) on ${server.host}:${server.port}; work dir ${work}`);
  // Seed (not timed against anything): ~1 KiB orders over 4 collections.
  const r = rng(SEED);
  const t0 = performance.now();
  let bytes = 0;
  let n = 0;
  while (bytes < BYTES) {
    const batch: Document[] = [];
    for (let i = 0; i < 1000; i++, n++) {
      const doc = order(r, n);
      bytes += BSON.calculateObjectSize(doc);
      batch.push(doc);
    }
    await client
      .db('bench')
      .collection(COLLECTIONS[Math.floor(n / 1000) % COLLECTIONS.length] as string)
      .insertMany(batch);
  }
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(
    `seeded ${n} documents, ${(bytes / MB).toFixed(0)} MB BSON in ${seedSeconds.toFixed(1)} s (${(bytes / MB / seedSeconds).toFixed(1)} MB/s)`,
  );

  const key = randomBytes(32).toString('base64');
  const env = {
    BENCH_MONGO: JSON.stringify({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
    }),
    BENCH_REPO: join(work, 'repo'),
    LIFEBOAT_REPO_KEY: key,
    BENCH_DB: 'bench',
  };
  await Repository.init(new LocalStore(env.BENCH_REPO), { key: Buffer.from(key) });

  const file = join(work, 'native.bson');
  const nDump = await child(['native-dump', file], env);
  const nSize = du(file);
  console.log(
    `native dump (driver find() → file, 1 stream): ${nDump.seconds.toFixed(1)} s, ${(nSize / MB).toFixed(0)} MB, peak RSS ${(nDump.maxRssKiB / 1024).toFixed(0)} MiB`,
  );

  const lbDump = await child(['lb-dump', String(STREAMS)], env);
  const lbSize = du(env.BENCH_REPO);
  console.log(
    `lifeboat dump (${STREAMS} stream(s), zstd+AES): ${lbDump.seconds.toFixed(1)} s, ${(lbSize / MB).toFixed(0)} MB stored, peak RSS ${(lbDump.maxRssKiB / 1024).toFixed(0)} MiB`,
  );

  const nLoad = await child(['native-load', file, 'bench_native'], env);
  console.log(
    `native restore (file → insertMany, 1 stream): ${nLoad.seconds.toFixed(1)} s, peak RSS ${(nLoad.maxRssKiB / 1024).toFixed(0)} MiB`,
  );
  await client.db('bench_native').dropDatabase();

  const lbLoad = await child(['lb-load', String(lbDump.backupId), 'bench_copy', String(STREAMS)], env);
  console.log(
    `lifeboat restore (${STREAMS} stream(s); one collection at a time on FerretDB): ${lbLoad.seconds.toFixed(1)} s, peak RSS ${(lbLoad.maxRssKiB / 1024).toFixed(0)} MiB`,
  );

  const workload: Workload = {
    name: 'bench',
    engine: 'mongodb',
    primary: {
      host: server.host,
      port: server.port,
      role: 'primary',
      url: `mongodb://${server.user}@${server.host}:${server.port}/?authSource=admin`,
    },
    replicas: [],
    databases: ['bench_copy'],
    credentials: { username: server.user, password: server.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
  const restored = await mongodbAdapter.fingerprint(workload, { signal: new AbortController().signal });
  const captured = lbDump.fingerprint as Fingerprint;
  const expected = Object.fromEntries(
    Object.entries(captured).map(([k, v]) => [k.replace(/^bench\./, 'bench_copy.'), v]),
  );
  const equal = JSON.stringify(restored) === JSON.stringify(expected);
  console.log(`restored copy fingerprint equals capture: ${equal}`);
  if (!equal) throw new Error('restored fingerprint differs from the capture');
  const rss = Math.max(lbDump.maxRssKiB, lbLoad.maxRssKiB) / 1024;
  console.log(
    `native = the driver's plain find() → file and insertMany baseline (mongodump is not installable here); data ${(bytes / MB).toFixed(0)} MB`,
  );
  console.log(
    `mongodb backup_vs_native=${(nDump.seconds / lbDump.seconds).toFixed(2)} restore_vs_native=${(nLoad.seconds / lbLoad.seconds).toFixed(2)} rss_mib=${rss.toFixed(0)}`,
  );
} finally {
  await client.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
