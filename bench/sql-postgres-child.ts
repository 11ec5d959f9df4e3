/**
 * One Lifeboat PostgreSQL operation run as its own process by bench/sql-postgres.ts, so
 * its peak RSS is measured alone. Env: BENCH_PG (JSON: host, port, user, password),
 * BENCH_REPO (local repository directory), LIFEBOAT_REPO_KEY, BENCH_DB. Diagnostics:
 * BENCH_MEM_TRACE=1 (memory samples on stderr), BENCH_SEAL_THREADS, BENCH_UPLOADS
 * (repository sealThreads / uploadConcurrency instead of the defaults).
 * Args: `dump <parallelism>` (prints the backup id) or `load <backupId> <target> <parallelism>`.
 * Prints one JSON line.
 */
import { postgresAdapter } from '../adapters/postgres/index.ts';
import { LocalStore, Repository, loadKeySecret } from '../engine/repository/index.ts';
import { benchWorkload, printResult, serverFromEnv, silentProgress, traceMemory } from './_child-support.ts';

const pgInfo = serverFromEnv('BENCH_PG');
const db = process.env.BENCH_DB ?? 'bench';
const [mode = '', ...args] = process.argv.slice(2);
const workload = benchWorkload(
  'postgres',
  pgInfo,
  `postgres://${pgInfo.user}@${pgInfo.host}:${pgInfo.port}/postgres`,
  [db],
);
const progress = silentProgress;
const signal = new AbortController().signal;

const t0 = performance.now();
traceMemory(t0);
const repo = await Repository.open(new LocalStore(process.env.BENCH_REPO ?? ''), {
  key: loadKeySecret(),
  ...(process.env.BENCH_SEAL_THREADS ? { sealThreads: Number(process.env.BENCH_SEAL_THREADS) } : {}),
  ...(process.env.BENCH_UPLOADS ? { uploadConcurrency: Number(process.env.BENCH_UPLOADS) } : {}),
});
let out: Record<string, unknown>;
if (mode === 'dump') {
  const writer = await repo.startBackup({ app: 'bench', member: 'pg' });
  const result = await postgresAdapter.dump(workload, writer, {
    strategy: 'logical',
    parallelism: Number(args[0] ?? 1),
    signal,
    progress,
  });
  await writer.commit();
  out = { backupId: writer.backupId, stats: writer.stats, tables: Object.keys(result.fingerprint).length };
} else if (mode === 'load') {
  const [backupId = '', target = '', parallelism = '2'] = args;
  const source = await repo.source(backupId, 'pg');
  await postgresAdapter.load(workload, source, {
    rename: { [db]: target },
    force: true,
    parallelism: Number(parallelism),
    signal,
    progress,
  });
  out = { target };
} else {
  throw new Error(`unknown mode ${mode}`);
}
printResult(out, t0);
