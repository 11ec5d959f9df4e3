/**
 * MariaDB benchmark: Lifeboat's driver-native dump and load against what users run today,
 * on the same ≥ 1 GiB database in one run.
 *
 *   native backup   mariadb-dump --single-transaction DB | gzip > file
 *   raw read limit  mariadb-dump --single-transaction DB  (bytes counted, not stored)
 *   native restore  gunzip -c file | mariadb DB2
 *   lifeboat        adapter dump (1 and 2 streams) into an encrypted local repository
 *                   (content-defined chunks, zstd level 1), adapter load (2 streams)
 *
 * Each Lifeboat operation runs in its own process (bench/sql-mysql-worker.ts) so its peak
 * RSS is measured alone. A private mariadbd (1 GiB buffer pool, binlog on) is started in
 * LIFEBOAT_BENCH_DIR (default: a temp dir); with LIFEBOAT_BENCH_KEEP=1 the directory and
 * its generated data are kept and reused by the next run.
 *
 * Last line: `mysql backup_vs_native=… backup_parallel_vs_native=… restore_vs_native=…
 * size_vs_native=… rss_mib=…` (ratios > 1 mean Lifeboat is faster; size < 1 means smaller).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection, type Connection } from 'mysql2/promise';
import { LocalStore, Repository } from '../engine/repository/index.ts';
import { generateBenchData } from './sql-mysql-data.ts';
import { benchNodeFlags } from './_node-flags.ts';

const GIB = 2 ** 30;
const TARGET_BYTES = Number(process.env.LIFEBOAT_BENCH_MYSQL_GIB ?? '1.1') * GIB;
const DB = 'benchdb';
const log = (s: string): void => {
  process.stderr.write(`[bench:mysql] ${s}\n`);
};

function sh(command: string, env: NodeJS.ProcessEnv): Promise<{ seconds: number; stdout: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ seconds: (performance.now() - t0) / 1000, stdout });
      else
        reject(new Error(`${command.split(' ')[0] ?? ''} … exited ${String(code)}: ${stderr.slice(-500)}`));
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

interface Server {
  readonly port: number;
  readonly password: string;
  readonly proc: ChildProcess;
}

async function startServer(dir: string): Promise<Server> {
  const dataDir = join(dir, 'data');
  const passwordFile = join(dir, 'root.pw');
  const fresh = !existsSync(join(dataDir, 'mysql'));
  if (fresh) {
    await mkdir(dataDir, { recursive: true });
    await sh(
      `mariadb-install-db --no-defaults --datadir=${dataDir} --auth-root-authentication-method=normal --skip-test-db ${process.getuid?.() === 0 ? '--user=root' : ''}`,
      process.env,
    );
    await writeFile(passwordFile, randomBytes(12).toString('hex'));
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();
  const port = await freePort();
  const socket = join(dir, 'mariadbd.sock');
  const proc = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--port=${String(port)}`,
      '--bind-address=127.0.0.1',
      `--socket=${socket}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      '--skip-name-resolve',
      '--server-id=1',
      '--log-bin=mariadb-bin',
      '--binlog-format=ROW',
      '--character-set-server=utf8mb4',
      '--innodb-buffer-pool-size=1G',
      '--innodb-log-file-size=512M',
      '--max-allowed-packet=64M',
      `--log-error=${join(dir, 'error.log')}`,
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 120; i++) {
    try {
      const c = await createConnection({ socketPath: socket, user: 'root', password: fresh ? '' : password });
      if (fresh) {
        await c.query('SET sql_log_bin = 0');
        for (const host of ['localhost', '127.0.0.1']) {
          await c.query(`ALTER USER 'root'@'${host}' IDENTIFIED BY '${password}'`).catch(() => undefined);
        }
        await c.query(`CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '${password}'`);
        await c.query(`GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION`);
      }
      await c.end();
      return { port, password, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`mariadbd did not start; see ${join(dir, 'error.log')}`);
}

async function connectServer(server: Server): Promise<Connection> {
  return createConnection({ host: '127.0.0.1', port: server.port, user: 'root', password: server.password });
}

async function runWorker(
  job: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, number | string>> {
  const worker = fileURLToPath(new URL('./sql-mysql-worker.ts', import.meta.url));
  const { stdout } = await sh(
    `${[process.execPath, ...benchNodeFlags(), worker].join(' ')} '${JSON.stringify(job)}'`,
    env,
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;
}

const keep = process.env.LIFEBOAT_BENCH_KEEP === '1';
const dir =
  process.env.LIFEBOAT_BENCH_DIR ??
  (keep ? join(tmpdir(), 'lifeboat-bench-mysql') : await mkdtemp(join(tmpdir(), 'lifeboat-bench-mysql-')));
await mkdir(dir, { recursive: true });
const server = await startServer(dir);
const env = { ...process.env, MYSQL_PWD: server.password };
const client = `--no-defaults -h127.0.0.1 -P${String(server.port)} -uroot`;
try {
  const admin = await connectServer(server);
  const [have] = (await admin.query(
    'SELECT COALESCE(SUM(DATA_LENGTH), 0) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [DB],
  )) as unknown as [{ n: string }[]];
  if (Number(have[0]?.n ?? 0) < TARGET_BYTES * 0.8) {
    log(`generating ~${(TARGET_BYTES / GIB).toFixed(2)} GiB in ${DB}`);
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    const conns = [admin, await connectServer(server)];
    for (const c of conns) {
      await c.query(`USE ${DB}`);
      await c.query('SET sql_log_bin = 0');
    }
    const t0 = performance.now();
    await generateBenchData(conns, TARGET_BYTES, log);
    await conns[1]?.end();
    log(`generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await admin.query(`DROP DATABASE IF EXISTS ${DB}_native`);
  await admin.query(`DROP DATABASE IF EXISTS ${DB}_lifeboat`);

  const dumpCmd = `mariadb-dump ${client} --single-transaction ${DB}`;
  // Warm the buffer pool the same way for everyone, and take the raw read limit.
  await sh(`${dumpCmd} > /dev/null`, env);
  const raw = await sh(`${dumpCmd} | wc -c`, env);
  const rawBytes = Number(raw.stdout.trim());
  log(`raw mariadb-dump: ${raw.seconds.toFixed(1)} s, ${(rawBytes / 2 ** 20).toFixed(0)} MiB`);

  const gzFile = join(dir, 'native.sql.gz');
  const nativeDump = await sh(`${dumpCmd} | gzip > ${gzFile}`, env);
  const gzBytes = (await stat(gzFile)).size;
  log(`mariadb-dump | gzip: ${nativeDump.seconds.toFixed(1)} s, ${(gzBytes / 2 ** 20).toFixed(0)} MiB`);

  const key = randomBytes(32);
  const workerEnv = { ...env, LIFEBOAT_BENCH_KEY: key.toString('hex') };
  const base = { host: '127.0.0.1', port: server.port, user: 'root', db: DB };
  const repos: string[] = [];
  const dumps: Record<string, number | string>[] = [];
  for (const parallelism of [1, 2]) {
    const repoDir = join(dir, `repo-${String(parallelism)}`);
    await rm(repoDir, { recursive: true, force: true });
    await Repository.init(new LocalStore(repoDir), { key });
    repos.push(repoDir);
    const r = await runWorker({ ...base, op: 'dump', repo: repoDir, parallelism }, workerEnv);
    dumps.push(r);
    log(
      `lifeboat dump ×${String(parallelism)}: ${Number(r.seconds).toFixed(1)} s, ${(Number(r.bytesIn) / 2 ** 20).toFixed(0)} MiB in, ` +
        `${(Number(r.bytesStored) / 2 ** 20).toFixed(0)} MiB stored, rss ${Number(r.rssMiB).toFixed(0)} MiB`,
    );
  }

  await admin.query(`CREATE DATABASE ${DB}_native`);
  const nativeLoad = await sh(`gunzip -c ${gzFile} | mariadb ${client} ${DB}_native`, env);
  log(`gunzip | mariadb: ${nativeLoad.seconds.toFixed(1)} s`);
  await admin.query(`DROP DATABASE IF EXISTS ${DB}_native`);

  const load = await runWorker(
    {
      ...base,
      op: 'load',
      repo: repos[0],
      backupId: dumps[0]?.backupId,
      parallelism: 2,
      into: `${DB}_lifeboat`,
    },
    workerEnv,
  );
  log(`lifeboat load ×2: ${Number(load.seconds).toFixed(1)} s, rss ${Number(load.rssMiB).toFixed(0)} MiB`);
  await admin.query(`DROP DATABASE IF EXISTS ${DB}_lifeboat`);
  await admin.end();

  const [one, two] = dumps;
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const rss = Math.max(Number(one?.rssMiB), Number(two?.rssMiB), Number(load.rssMiB));
  log(
    `raw read limit vs native gzip: ${ratio(nativeDump.seconds, raw.seconds)}× (size: repository zstd-1 + AES-GCM)`,
  );
  process.stdout.write(
    `mysql backup_vs_native=${ratio(nativeDump.seconds, Number(one?.seconds))} ` +
      `backup_parallel_vs_native=${ratio(nativeDump.seconds, Number(two?.seconds))} ` +
      `restore_vs_native=${ratio(nativeLoad.seconds, Number(load.seconds))} ` +
      `size_vs_native=${ratio(Number(one?.bytesStored), gzBytes)} rss_mib=${rss.toFixed(0)}\n`,
  );
} finally {
  server.proc.kill('SIGTERM');
  await new Promise((r) => server.proc.once('exit', r));
  if (!keep && process.env.LIFEBOAT_BENCH_DIR === undefined) await rm(dir, { recursive: true, force: true });
}
