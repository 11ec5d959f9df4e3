/**
 * Benchmark: the MongoDB adapter against a mongodump/mongorestore stand-in built on the
 * driver, on the same generated documents, in one run, on a private FerretDB (SQLite).
 * mongodump/mongorestore themselves cannot be built here (the Go module proxy refuses
 * github.com/mongodb/mongo-tools, 403), so "native" does what they do by default:
 * dump = raw-BSON cursors (no decode), BENCH_NATIVE_J collections in parallel (default 4,
 * mongodump's `-j`), one uncompressed `.bson` file per collection (mongodump without
 * `--gzip`; BENCH_NATIVE_GZIP=1 gzips them like `--gzip`); restore = those files →
 * unordered insertMany batches of 1000, one collection at a time (mongorestore runs 4 at
 * once; on FerretDB/SQLite that only contends, so one at a time is the faster baseline).
 * Lifeboat: dump with BENCH_STREAMS streams (default 2, the CLI's `-j`) into a local
 * repository (dedup + zstd + AES-256-GCM), load with the same. Each run is its own process
 * (peak RSS and CPU its own); FerretDB's CPU seconds are read from /proc per phase, so
 * server time and client time are reported apart. The restored copy is checked against the
 * capture fingerprint.
 * Last line:  mongodb backup_vs_native=<r> restore_vs_native=<r> rss_mib=<n>
 * Env: BENCH_BYTES (BSON bytes to generate, default 1 GiB as the issue asks; FerretDB on
 * SQLite ingests a few MB/s, so that takes most of an hour on 2 cores: use e.g. 128 MiB for
 * a quick look), BENCH_SEED (default 42),
 * BENCH_CPU_PROF=<dir> (the Lifeboat children write V8 CPU profiles there).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
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

const BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 2);
const NATIVE_J = Number(process.env.BENCH_NATIVE_J ?? 4);
const NATIVE_GZIP = process.env.BENCH_NATIVE_GZIP === '1';
const CPU_PROF = process.env.BENCH_CPU_PROF;
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

type ChildOut = Record<string, unknown> & { seconds: number; maxRssKiB: number; cpuSeconds: number };

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the FerretDB process listening on `port` (its command line names the address). */
function serverPid(port: number): number {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes('ferretdb') && cmd.includes(`--listen-addr=127.0.0.1:${port}\0`)) return Number(p);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no FerretDB process listens on port ${port}`);
}

async function child(args: readonly string[], env: Record<string, string>): Promise<ChildOut> {
  const t0 = performance.now();
  const lifeboat = args[0]?.startsWith('lb-') === true;
  const prof = lifeboat && CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  const cpu0 = SERVER_PID === undefined ? 0 : cpuSeconds(SERVER_PID);
  const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const p = spawn(
    process.execPath,
    [...benchNodeFlags(), ...prof, join(here, 'nosql-mongodb-child.ts'), ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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
  const serverCpu = SERVER_PID === undefined ? 0 : cpuSeconds(SERVER_PID) - cpu0;
  const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  return { ...out, seconds: (performance.now() - t0) / 1000, serverCpu, load: `${load0}→${load1}` };
}

/** `wall s, client CPU s, server CPU s, peak RSS, load` of one phase. */
function costs(o: ChildOut): string {
  return `${o.seconds.toFixed(1)} s wall; CPU client ${o.cpuSeconds.toFixed(1)} s, FerretDB ${Number(o.serverCpu).toFixed(1)} s; peak RSS ${(o.maxRssKiB / 1024).toFixed(0)} MiB; load ${String(o.load)}`;
}

const server = await startFerretdb({ name: 'bench-ferretdb' });
const SERVER_PID: number | undefined = server.external ? undefined : serverPid(server.port);
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

  const nativeDir = join(work, 'native');
  const nDump = await child(
    ['native-dump', nativeDir, String(NATIVE_J), NATIVE_GZIP ? 'gzip' : 'plain'],
    env,
  );
  const nSize = du(nativeDir);
  console.log(
    `native dump (raw cursors, ${NATIVE_J} collections at once, one .bson file each${NATIVE_GZIP ? ', gzip' : ', uncompressed, unencrypted'}): ${(nSize / MB).toFixed(0)} MB; ${costs(nDump)}`,
  );

  const lbDump = await child(['lb-dump', String(STREAMS)], env);
  const lbSize = du(env.BENCH_REPO);
  console.log(
    `lifeboat dump (${STREAMS} streams, fingerprint, dedup + zstd + AES-256-GCM): ${(lbSize / MB).toFixed(0)} MB stored; ${costs(lbDump)}`,
  );

  const nLoad = await child(['native-load', nativeDir, 'bench_native'], env);
  console.log(
    `native restore (.bson files → unordered insertMany of 1000, one collection at a time): ${costs(nLoad)}`,
  );
  await client.db('bench_native').dropDatabase();

  const lbLoad = await child(['lb-load', String(lbDump.backupId), 'bench_copy', String(STREAMS)], env);
  console.log(
    `lifeboat restore (decrypt + decompress + type-preserving decode; on FerretDB one collection and one batch at a time, the next decoded meanwhile): ${costs(lbLoad)}`,
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
    `native = a driver-built stand-in for mongodump/mongorestore defaults (they cannot be built here); data ${(bytes / MB).toFixed(0)} MB BSON`,
  );
  console.log(
    `mongodb backup_vs_native=${(nDump.seconds / lbDump.seconds).toFixed(2)} restore_vs_native=${(nLoad.seconds / lbLoad.seconds).toFixed(2)} rss_mib=${rss.toFixed(0)}`,
  );
} finally {
  await client.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
