/**
 * One Lifeboat backup of stdin into a local repository, run as its own process by
 * bench/repo.ts so its peak RSS can be measured alone. Env: BENCH_REPO (directory),
 * LIFEBOAT_REPO_KEY, BENCH_NODE_STREAM=1 to read stdin as a Node Readable instead. Prints one JSON line of the backup's stats.
 */
import { read } from 'node:fs';
import { promisify } from 'node:util';
import { Repository, LocalStore, loadKeySecret } from '../engine/repository/index.ts';
import { peakRssKiB } from './_peak-rss.ts';

const readFd = promisify(read);

/**
 * stdin through one recycled 1 MiB buffer, as restic reads it: the chunker copies what
 * it keeps, so the buffer can be reused and reading allocates nothing per piece.
 */
async function* stdinPieces(): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(1024 * 1024);
  for (;;) {
    const { bytesRead } = await readFd(0, buffer, 0, buffer.length, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

const t0 = performance.now();
const repo = await Repository.open(new LocalStore(process.env.BENCH_REPO ?? ''), {
  key: loadKeySecret(),
  ...(process.env.BENCH_CONCURRENCY ? { uploadConcurrency: Number(process.env.BENCH_CONCURRENCY) } : {}),
  ...(process.env.BENCH_SEAL_THREADS ? { sealThreads: Number(process.env.BENCH_SEAL_THREADS) } : {}),
});
const writer = await repo.startBackup({ app: 'bench' });
await writer.put('dump.sql', process.env.BENCH_NODE_STREAM ? process.stdin : stdinPieces());
await writer.commit();
process.stdout.write(
  `${JSON.stringify({
    ...writer.stats,
    seconds: (performance.now() - t0) / 1000,
    maxRssKiB: peakRssKiB(),
    mainThreadCpuSeconds: (process.threadCpuUsage().user + process.threadCpuUsage().system) / 1e6,
    processCpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  })}\n`,
);
