/**
 * One timed adapter operation in its own process, so the benchmark reads the peak RSS of
 * exactly what Lifeboat runs. Input is one JSON argument; the password comes from
 * MYSQL_PWD and the repository key from LIFEBOAT_BENCH_KEY (hex), never argv.
 * Prints one JSON line: { seconds, bytesIn, bytesStored, rssMiB, cpuSeconds }.
 * BENCH_MEM_TRACE=1: process.memoryUsage() samples on stderr (where the RSS goes);
 * BENCH_SEAL_THREADS, BENCH_UPLOADS: repository sealThreads / uploadConcurrency.
 */
import { mysqlAdapter } from '../adapters/mysql/index.ts';
import type { Workload } from '../engine/model/index.ts';
import { LocalStore, Repository } from '../engine/repository/index.ts';
import { traceMemory } from './_child-support.ts';
import { peakRssKiB } from './_peak-rss.ts';

interface Job {
  readonly op: 'dump' | 'load';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly db: string;
  readonly repo: string;
  readonly parallelism: number;
  /** load: target database name. */
  readonly into?: string;
  /** load: backup id to read. */
  readonly backupId?: string;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const key = Buffer.from(process.env.LIFEBOAT_BENCH_KEY ?? '', 'hex');
const workload: Workload = {
  name: job.db,
  engine: 'mysql',
  primary: {
    host: job.host,
    port: job.port,
    role: 'primary',
    url: `mysql://${job.user}@${job.host}:${String(job.port)}/`,
  },
  replicas: [],
  databases: [job.db],
  credentials: { username: job.user, password: process.env.MYSQL_PWD ?? '' },
  annotations: {},
  pvcs: [],
  source: 'url',
};
const progress = { bytes: () => undefined, rows: () => undefined, estimate: () => undefined };
const signal = new AbortController().signal;
const t0 = performance.now();
traceMemory(t0);
const repo = await Repository.open(new LocalStore(job.repo), {
  key,
  ...(process.env.BENCH_SEAL_THREADS ? { sealThreads: Number(process.env.BENCH_SEAL_THREADS) } : {}),
  ...(process.env.BENCH_UPLOADS ? { uploadConcurrency: Number(process.env.BENCH_UPLOADS) } : {}),
});
let out: Record<string, unknown>;
if (job.op === 'dump') {
  const writer = await repo.startBackup({ app: 'bench', member: job.db });
  await mysqlAdapter.dump(workload, writer.member(job.db), {
    strategy: 'logical',
    parallelism: job.parallelism,
    signal,
    progress,
  });
  const manifest = await writer.commit();
  out = {
    backupId: manifest.backupId,
    bytesIn: writer.stats.bytesIn,
    bytesStored: writer.stats.newBytesStored,
  };
} else {
  const source = await repo.source(job.backupId ?? '', job.db);
  await mysqlAdapter.load({ ...workload, databases: [] }, source, {
    rename: { [job.db]: job.into ?? `${job.db}_restored` },
    force: true,
    parallelism: job.parallelism,
    signal,
    progress,
  });
  out = {};
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage();
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(JSON.stringify({ ...out, seconds, cpuSeconds, rssMiB: peakRssKiB() / 1024 }) + '\n');
