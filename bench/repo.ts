/**
 * Benchmark: the same generated, dump-like 2 GiB stream written by
 * `lifeboat backup --stdin` (the shipped command, compiled as installed: zstd + AES-256-GCM + dedup into a
 * local repository) and by `restic backup --stdin` (local repository), in one run.
 * Both read the stream from a pipe fed by this process. Prints throughput, ratio,
 * bytes stored, peak RSS (each tool measured alone in its own process by
 * /usr/bin/time), and the new bytes a second identical Lifeboat backup stores. Last line:
 *   repo write_vs_restic=<ratio> rss_mib=<n> second_backup_new_bytes_pct=<p>
 * Env: BENCH_BYTES (default 2 GiB), BENCH_SEED (default 42).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LocalStore, Repository } from '../engine/repository/index.ts';
import { realisticBlocks } from './repo-data.ts';
import { builtCli } from './_built-cli.ts';
import { benchNodeFlags } from './_node-flags.ts';

const BYTES = Number(process.env.BENCH_BYTES ?? 2 * 1024 ** 3);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const MB = 1e6;

interface Run {
  seconds: number;
  /** user + system CPU of the tool's process: less sensitive to other load than wall time. */
  cpuSeconds: number;
  maxRssKiB: number;
  stdout: string;
}

/** Run `command` under /usr/bin/time with the generated stream on its stdin. */
async function runWithStream(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  const timeFile = join(work, `time-${randomBytes(4).toString('hex')}`);
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, command, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      resolve(code ?? -1);
    }),
  );
  const t0 = performance.now();
  for (const block of realisticBlocks({ bytes: BYTES, seed: SEED })) {
    if (!child.stdin.write(block)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  const code = await exited;
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${command} exited ${code}: ${stdout}`);
  const [rss = '0', user = '0', sys = '0'] =
    readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ') ?? [];
  return { seconds, maxRssKiB: Number(rss), cpuSeconds: Number(user) + Number(sys), stdout };
}

function du(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

const work = mkdtempSync(join(tmpdir(), 'lifeboat-bench-'));
try {
  // the data: report its compressibility so the comparison is honest
  let sample = 0;
  let sampleGz = 0;
  let i = 0;
  for (const block of realisticBlocks({ bytes: Math.min(BYTES, 256 * 1024 * 1024), seed: SEED })) {
    if (i++ % 16 === 0) {
      sample += block.length;
      sampleGz += gzipSync(block).length;
    }
  }
  console.log(
    `data: ${(BYTES / 1024 ** 3).toFixed(2)} GiB generated dump-like stream, gzip ratio ${(sample / sampleGz).toFixed(2)}x (seed ${SEED})`,
  );

  const key = randomBytes(32).toString('base64');
  const lbDir = join(work, 'lifeboat');
  await Repository.init(new LocalStore(lbDir), { key: Buffer.from(key) });
  const lbEnv = { LIFEBOAT_REPO_KEY: key };
  const child = [
    ...benchNodeFlags(),
    builtCli(),
    'backup',
    '--stdin',
    'dump.sql',
    '--app',
    'bench',
    '--repo',
    lbDir,
    '-o',
    'json',
  ];

  const lb1 = await runWithStream(process.execPath, child, lbEnv);
  const lbStored1 = du(lbDir);
  const lb2 = await runWithStream(process.execPath, child, lbEnv);
  const lbStored2 = du(lbDir);
  const stats2 = JSON.parse(lb2.stdout) as { newBytesStored: number; newChunks: number; chunks: number };

  const resticDir = join(work, 'restic');
  const resticEnv = {
    RESTIC_PASSWORD: key,
    RESTIC_REPOSITORY: resticDir,
    RESTIC_CACHE_DIR: join(work, 'restic-cache'),
  };
  await new Promise<void>((resolve, reject) => {
    const init = spawn('restic', ['init', '--quiet'], {
      env: { ...process.env, ...resticEnv },
      stdio: 'ignore',
    });
    init.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`restic init exited ${code}`));
    });
  });
  const restic = await runWithStream(
    'restic',
    ['backup', '--stdin', '--stdin-filename', 'dump.sql', '--quiet'],
    resticEnv,
  );
  const resticStored = du(resticDir);

  const lbRate = BYTES / MB / lb1.seconds;
  const resticRate = BYTES / MB / restic.seconds;
  const ratio = lbRate / resticRate;
  const rssMib = Math.round(lb1.maxRssKiB / 1024);
  const newPct = (100 * (lbStored2 - lbStored1)) / lbStored1;
  const row = (name: string, run: Run, rate: number, stored: number): string =>
    `${name.padEnd(9)} ${rate.toFixed(0).padStart(6)} MB/s  ${run.seconds.toFixed(1).padStart(6)} s wall  ${run.cpuSeconds.toFixed(1).padStart(6)} s CPU  stored ${(stored / 1024 ** 2).toFixed(0).padStart(6)} MiB (${(BYTES / stored).toFixed(2)}x)  peak RSS ${(run.maxRssKiB / 1024).toFixed(0)} MiB`;
  console.log(row('lifeboat', lb1, lbRate, lbStored1));
  console.log(row('restic', restic, resticRate, resticStored));
  console.log(
    `load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )} (other load inflates wall times; CPU ratio restic/lifeboat ${(restic.cpuSeconds / lb1.cpuSeconds).toFixed(2)})`,
  );
  console.log(
    `second identical lifeboat backup: ${(BYTES / MB / lb2.seconds).toFixed(0)} MB/s, ${stats2.newChunks}/${stats2.chunks} new chunks, repository grew ${lbStored2 - lbStored1} bytes (${newPct.toFixed(3)}%), peak RSS ${(lb2.maxRssKiB / 1024).toFixed(0)} MiB`,
  );
  console.log(
    `repo write_vs_restic=${ratio.toFixed(2)} rss_mib=${rssMib} second_backup_new_bytes_pct=${newPct.toFixed(3)}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
