/**
 * Benchmark: the PostgreSQL adapter against the native tools on the same ≥ 1 GiB of
 * realistic data, in one run, on a private server. Native: `pg_dump -Fc` to a file
 * (default gzip), `pg_dump -Fc -Z0` (the raw read limit), `pg_restore -j2`. Lifeboat:
 * dump with 1 and 2 streams into a local repository (zstd-1 + AES-256-GCM + dedup, each
 * into a fresh repository), load with 2 streams; each Lifeboat run is its own process so
 * its peak RSS is its own. The restored copy is checked against the capture fingerprint.
 * Last line:
 *   postgres backup_vs_native=<r> backup_parallel_vs_native=<r> restore_vs_native=<r> size_vs_native=<r> rss_mib=<n>
 * Env: BENCH_BYTES (COPY text to generate, default 1.15 GiB), BENCH_SEED (default 42),
 * BENCH_NODE_FLAGS (Node options for the Lifeboat child processes, space-separated; default:
 * those of the shipped `lifeboat` command, see _node-flags.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { postgresAdapter } from '../adapters/postgres/index.ts';
import { pgTool } from '../adapters/postgres/tools.ts';
import { LocalStore, Repository } from '../engine/repository/index.ts';
import { startPostgres } from '../testcontainers/index.ts';
import { generate, sample } from './sql-postgres-data.ts';
import { benchNodeFlags } from './_node-flags.ts';

const BYTES = Number(process.env.BENCH_BYTES ?? 1.15 * 1024 ** 3);
const SEED = Number(process.env.BENCH_SEED ?? 42);
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

/** Run a command, return wall seconds and stdout; throws on a non-zero exit. */
async function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ seconds: number; stdout: string }> {
  const t0 = performance.now();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number>((resolve) => {
    child.on('close', (c) => {
      resolve(c ?? -1);
    });
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`);
  return { seconds: (performance.now() - t0) / 1000, stdout };
}

const server = await startPostgres({ name: 'bench-postgres' });
const work = mkdtempSync(join(tmpdir(), 'lifeboat-bench-pg-'));
const conn = { host: server.host, port: server.port, user: server.user, password: server.password };
const env = {
  PGHOST: server.host,
  PGPORT: String(server.port),
  PGUSER: server.user,
  PGPASSWORD: server.password,
};
try {
  const admin = new pg.Client({ ...conn, database: 'postgres' });
  await admin.connect();
  // Same settings for native and Lifeboat: room for index builds, no checkpoint storms.
  await admin.query("ALTER SYSTEM SET maintenance_work_mem = '256MB'");
  await admin.query("ALTER SYSTEM SET max_wal_size = '8GB'");
  await admin.query('SELECT pg_reload_conf()');
  await admin.query('CREATE DATABASE bench');
  const s = sample(8 * MB, SEED);
  console.log(
    `data: generating ${(BYTES / 1024 ** 3).toFixed(2)} GiB of COPY text, gzip ratio ${(s.length / gzipSync(s).length).toFixed(2)}x (seed ${SEED})`,
  );
  const tg = performance.now();
  const bench = new pg.Client({ ...conn, database: 'bench' });
  await bench.connect();
  await generate(bench, BYTES, SEED);
  const size =
    (await bench.query<{ s: string }>("SELECT pg_database_size('bench')::text AS s")).rows[0]?.s ?? '0';
  for (const t of ['customers', 'orders', 'events', 'reviews'])
    await bench.query(`SELECT count(*) FROM ${t}`); // warm the cache
  await bench.end();
  console.log(
    `data: database ${(Number(size) / 1024 ** 3).toFixed(2)} GiB on disk, generated in ${((performance.now() - tg) / 1000).toFixed(1)} s`,
  );

  // Native tools.
  const fc = join(work, 'native.dump');
  const nDump = await run(pgTool('pg_dump'), ['-Fc', '-f', fc, 'bench'], env);
  const nSize = du(fc);
  console.log(`native pg_dump -Fc: ${nDump.seconds.toFixed(1)} s, ${(nSize / MB).toFixed(0)} MB`);
  const raw = join(work, 'native-z0.dump');
  const nRaw = await run(pgTool('pg_dump'), ['-Fc', '-Z0', '-f', raw, 'bench'], env);
  console.log(`native pg_dump -Fc -Z0: ${nRaw.seconds.toFixed(1)} s, ${(du(raw) / MB).toFixed(0)} MB`);
  rmSync(raw);
  await admin.query('CREATE DATABASE bench_native');
  const nRestore = await run(pgTool('pg_restore'), ['-j2', '--exit-on-error', '-d', 'bench_native', fc], env);
  console.log(`native pg_restore -j2: ${nRestore.seconds.toFixed(1)} s`);
  await admin.query('DROP DATABASE bench_native');

  // Lifeboat, each run a child process in a fresh repository.
  const key = randomBytes(32).toString('base64');
  const child = async (
    repoDir: string,
    args: string[],
  ): Promise<Record<string, unknown> & { seconds: number; maxRssKiB: number }> => {
    const nodeFlags = benchNodeFlags();
    const r = await run(process.execPath, [...nodeFlags, join(here, 'sql-postgres-child.ts'), ...args], {
      BENCH_PG: JSON.stringify(conn),
      BENCH_REPO: repoDir,
      LIFEBOAT_REPO_KEY: key,
      BENCH_DB: 'bench',
    });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown> & {
      maxRssKiB: number;
    };
    return { ...out, seconds: r.seconds };
  };
  const newRepo = async (name: string): Promise<string> => {
    const dir = join(work, name);
    await Repository.init(new LocalStore(dir), { key: Buffer.from(key) });
    return dir;
  };
  const repo1 = await newRepo('repo1');
  const lb1 = await child(repo1, ['dump', '1']);
  const lbSize = du(join(repo1));
  console.log(
    `lifeboat dump (1 stream): ${lb1.seconds.toFixed(1)} s, ${(lbSize / MB).toFixed(0)} MB stored, peak RSS ${(lb1.maxRssKiB / 1024).toFixed(0)} MiB`,
  );
  const repo2 = await newRepo('repo2');
  const lb2 = await child(repo2, ['dump', '2']);
  console.log(
    `lifeboat dump (2 streams): ${lb2.seconds.toFixed(1)} s, peak RSS ${(lb2.maxRssKiB / 1024).toFixed(0)} MiB`,
  );
  rmSync(repo2, { recursive: true, force: true });
  const lbLoad = await child(repo1, ['load', String(lb1.backupId), 'bench_lb', '2']);
  console.log(
    `lifeboat load (2 streams): ${lbLoad.seconds.toFixed(1)} s, peak RSS ${(lbLoad.maxRssKiB / 1024).toFixed(0)} MiB`,
  );

  // The restored copy must match the source (same canonical fingerprint).
  const workload = (db: string) => ({
    name: 'bench',
    engine: 'postgres' as const,
    primary: {
      host: conn.host,
      port: conn.port,
      role: 'primary' as const,
      url: `postgres://${conn.user}@${conn.host}:${conn.port}/postgres`,
    },
    replicas: [],
    databases: [db],
    credentials: { username: conn.user, password: conn.password },
    annotations: {},
    pvcs: [],
    source: 'url' as const,
  });
  const signal = new AbortController().signal;
  const [a, b] = await Promise.all([
    postgresAdapter.fingerprint(workload('bench'), { databases: ['bench'], signal }),
    postgresAdapter.fingerprint(workload('bench_lb'), { databases: ['bench_lb'], signal }),
  ]);
  const same = JSON.stringify(Object.values(a)) === JSON.stringify(Object.values(b));
  console.log(
    `restored copy fingerprint ${same ? 'equal' : 'DIFFERENT'} (${Object.values(a).reduce((n, t) => n + t.rows, 0)} rows)`,
  );
  await admin.end();
  if (!same) process.exitCode = 1;

  const rss = Math.max(lb1.maxRssKiB, lb2.maxRssKiB, lbLoad.maxRssKiB) / 1024;
  console.log(
    `postgres backup_vs_native=${(nDump.seconds / lb1.seconds).toFixed(2)} backup_parallel_vs_native=${(nDump.seconds / lb2.seconds).toFixed(2)} ` +
      `restore_vs_native=${(nRestore.seconds / lbLoad.seconds).toFixed(2)} size_vs_native=${(lbSize / nSize).toFixed(2)} rss_mib=${rss.toFixed(0)}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  await server.stop();
}
