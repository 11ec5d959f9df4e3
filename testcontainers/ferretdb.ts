import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { TestServer } from './types.ts';
import { notInstalled } from './errors.ts';
import { localServerFields } from './_local-server.ts';
import {
  CACHE_BIN,
  freePorts,
  secondsSince,
  serverDir,
  startProcess,
  waitUntil,
  withCleanup,
} from './_process.ts';

/**
 * A MongoDB-wire-protocol server: FerretDB v1 on its SQLite backend. No transactions,
 * sessions, fsyncLock or replica sets (see README.md).
 */
export interface FerretdbServer extends TestServer {
  /** SCRAM user created at start in the `admin` database. */
  readonly user: string;
  readonly password: string;
  /** FerretDB's own version, e.g. `1.24.2`. */
  readonly ferretdbVersion: string;
}

/** Environment variable naming an existing MongoDB-compatible server (`mongodb://…`). */
export const MONGODB_URL_ENV = 'LIFEBOAT_TEST_MONGODB_URL';

async function ping(url: string): Promise<{ mongo: string; ferret: string }> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2_000, directConnection: true });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    const ferret = typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : '';
    return { mongo: String(info.version), ferret: ferret.replace(/^v/, '') };
  } finally {
    await client.close();
  }
}

/**
 * Starts a private FerretDB (`--handler=sqlite`, data in its own directory) on a free
 * loopback port with SCRAM authentication, or uses `LIFEBOAT_TEST_MONGODB_URL`.
 * `version` is FerretDB's version (the MongoDB version it claims is not what runs).
 * @throws TestServerError naming `testcontainers/install ferretdb` when it is not installed.
 */
export async function startFerretdb(options: { name?: string } = {}): Promise<FerretdbServer> {
  const name = options.name ?? 'ferretdb';
  const t0 = performance.now();
  const fromEnv = process.env[MONGODB_URL_ENV];
  if (fromEnv) {
    const v = await ping(fromEnv);
    const u = new URL(fromEnv);
    return {
      name,
      url: fromEnv,
      host: u.hostname,
      port: Number(u.port || 27017),
      version: v.ferret || v.mongo,
      ferretdbVersion: v.ferret,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      dataDir: '',
      logPath: '',
      startSeconds: secondsSince(t0),
      external: true,
      stop: () => Promise.resolve(),
    };
  }

  const ferretdb = join(CACHE_BIN, 'ferretdb');
  if (!existsSync(ferretdb)) throw notInstalled(name, 'ferretdb', 'ferretdb', MONGODB_URL_ENV);
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const [port = 0] = await freePorts(1);
    const password = randomBytes(16).toString('hex');
    await mkdir(join(dir, 'data'));
    const proc = await startProcess({
      command: ferretdb,
      args: [
        '--handler=sqlite',
        `--sqlite-url=file:${join(dir, 'data')}/`,
        `--listen-addr=127.0.0.1:${port}`,
        `--state-dir=${dir}`,
        '--debug-addr=-', // else every instance wants 127.0.0.1:8088
        '--telemetry=disable',
        '--log-level=warn',
        '--test-enable-new-auth',
        '--setup-database=admin',
        '--setup-username=admin',
      ],
      env: { FERRETDB_SETUP_PASSWORD: password },
      logPath: join(dir, 'ferretdb.log'),
      cwd: dir,
    });
    onFail(() => proc.stop('SIGKILL', 2_000));
    const url = `mongodb://admin:${password}@127.0.0.1:${port}/?authSource=admin&directConnection=true`;
    const v = await waitUntil(name, proc, () => ping(url), 60_000);
    return {
      ...localServerFields({ name, url, dir, proc, t0, stopSignal: 'SIGTERM' }),
      host: '127.0.0.1',
      port,
      version: v.ferret || v.mongo,
      ferretdbVersion: v.ferret,
      user: 'admin',
      password,
    };
  });
}
