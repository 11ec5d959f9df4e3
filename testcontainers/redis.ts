import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { notInstalled } from './errors.ts';
import { localServerFields } from './_local-server.ts';
import { freePorts, secondsSince, serverDir, startProcess, waitUntil, withCleanup } from './_process.ts';
import type { TestServer } from './types.ts';

/**
 * A Redis server: the engine Lifeboat has no adapter for, protected by the example
 * blueprint of `blueprints/examples/redis.yaml` through generic functions.
 */
export interface RedisServer extends TestServer {
  /** `requirepass` of the default user. */
  readonly password: string;
  /** Where `redis-cli` is (the blueprint runs it). */
  readonly cli: string;
}

/** Environment variable naming an existing Redis (`redis://:pass@host:port`). */
export const REDIS_URL_ENV = 'LIFEBOAT_TEST_REDIS_URL';

const REDIS_BIN = process.env.LIFEBOAT_REDIS_BIN ?? '/usr/bin';

/** Runs one command through redis-cli (auth by environment); resolves with its stdout. */
export async function redisCli(
  server: Pick<RedisServer, 'host' | 'port' | 'password' | 'cli'>,
  args: readonly string[],
  input?: string,
): Promise<string> {
  const result = await execa(server.cli, ['-e', '-h', server.host, '-p', String(server.port), ...args], {
    env: { REDISCLI_AUTH: server.password },
    ...(input !== undefined && { input }),
  });
  return result.stdout;
}

export interface StartRedisOptions {
  readonly name?: string;
  /** The password to require; random by default. */
  readonly password?: string;
}

/**
 * Starts a private `redis-server` on a free loopback port with its data directory in a
 * temp dir: a password, no automatic saves (so a backup's BGSAVE is the only writer of
 * the RDB file), no AOF, and `DEBUG` allowed from local connections (for `DEBUG DIGEST`
 * and `DEBUG RELOAD`). Or uses `LIFEBOAT_TEST_REDIS_URL`.
 * @throws TestServerError naming the Debian package when redis-server is not installed.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const name = options.name ?? 'redis';
  const t0 = performance.now();
  const cli = join(REDIS_BIN, 'redis-cli');
  const fromEnv = process.env[REDIS_URL_ENV];
  if (fromEnv) {
    const u = new URL(fromEnv);
    const handle = {
      host: u.hostname,
      port: Number(u.port || 6379),
      password: decodeURIComponent(u.password),
      cli,
    };
    const info = await redisCli(handle, ['INFO', 'server']);
    return {
      name,
      url: fromEnv,
      ...handle,
      version: /redis_version:(\S+)/.exec(info)?.[1] ?? '',
      dataDir: '',
      logPath: '',
      startSeconds: secondsSince(t0),
      external: true,
      stop: () => Promise.resolve(),
    };
  }
  const server = join(REDIS_BIN, 'redis-server');
  if (!existsSync(server) || !existsSync(cli)) throw notInstalled(name, 'redis-server', 'apt', REDIS_URL_ENV);
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const [port = 0] = await freePorts(1);
    const password = options.password ?? randomBytes(16).toString('hex');
    // The password goes in through a config file, not argv (visible in the process list).
    const config = join(dir, 'redis.conf');
    await writeFile(
      config,
      [
        `bind 127.0.0.1`,
        `port ${port}`,
        `dir ${dir}`,
        `dbfilename dump.rdb`,
        `requirepass ${password}`,
        `save ""`,
        `appendonly no`,
        `enable-debug-command local`,
        `daemonize no`,
        `logfile ""`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const proc = await startProcess({
      command: server,
      args: [config],
      logPath: join(dir, 'redis.log'),
      cwd: dir,
    });
    onFail(() => proc.stop('SIGKILL', 2_000));
    const handle = { host: '127.0.0.1', port, password, cli };
    const info = await waitUntil(name, proc, () => redisCli(handle, ['INFO', 'server']), 30_000);
    return {
      ...localServerFields({
        name,
        url: `redis://:${password}@127.0.0.1:${port}`,
        dir,
        proc,
        t0,
        stopSignal: 'SIGTERM',
      }),
      ...handle,
      version: /redis_version:(\S+)/.exec(info)?.[1] ?? '',
    };
  });
}
