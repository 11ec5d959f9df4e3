import { join } from 'node:path';
import type { SharedServer } from './types.ts';
import type { PostgresServer } from './postgres.ts';
import { externalPostgres } from './postgres.ts';
import { findPgBinDir, launchPostmaster, pgQuery, waitForPostgres } from './_postgres.ts';
import { localServerFields } from './_local-server.ts';
import { freePorts, runTool, serverDir, unprivilegedUser, waitUntil, withCleanup } from './_process.ts';

/** A hot standby streaming from a primary; read-only, same credentials as the primary. */
export interface PostgresStandbyServer extends PostgresServer {
  /** `host:port` of the primary it streams from. */
  readonly primaryAddress: string;
}

/** Environment variable naming an existing standby of the `LIFEBOAT_TEST_POSTGRES_URL` server. */
export const POSTGRES_STANDBY_URL_ENV = 'LIFEBOAT_TEST_POSTGRES_STANDBY_URL';

/**
 * Clones `primary` with `pg_basebackup -R` and starts it as a hot standby using streaming
 * replication; resolves once its WAL receiver is streaming. Stop it before its primary.
 * @throws TestServerError when the base backup or the start fails (log path included).
 */
export async function startPostgresStandby(
  primary: PostgresServer | SharedServer<PostgresServer>,
  options: { name?: string } = {},
): Promise<PostgresStandbyServer> {
  const name = options.name ?? 'postgres-standby';
  const t0 = performance.now();
  const primaryAddress = `${primary.host}:${primary.port}`;
  const fromEnv = process.env[POSTGRES_STANDBY_URL_ENV];
  if (fromEnv) return { ...(await externalPostgres(name, fromEnv, t0)), primaryAddress };

  const binDir = primary.binDir || findPgBinDir(name);
  const user = unprivilegedUser();
  const dir = await serverDir(name, user);
  return withCleanup(dir, async (onFail) => {
    const [port = 0] = await freePorts(1);
    const dataDir = join(dir, 'data');
    await runTool(name, {
      command: join(binDir, 'pg_basebackup'),
      args: [
        '-h',
        primary.host,
        '-p',
        String(primary.port),
        '-U',
        primary.user,
        '-D',
        dataDir,
        '-R', // writes standby.signal and primary_conninfo
        '-X',
        'stream',
        '--checkpoint=fast',
        '--no-sync',
      ],
      env: { PGPASSWORD: primary.password },
      logPath: join(dir, 'pg_basebackup.log'),
      cwd: dir,
      ...(user ? { user } : {}),
    });
    const proc = await launchPostmaster(binDir, dir, dataDir, port);
    onFail(() => proc.stop('SIGQUIT', 2_000));
    const conn = {
      host: '127.0.0.1',
      port,
      user: primary.user,
      password: primary.password,
      database: primary.database,
    };
    const version = await waitForPostgres(name, proc, conn);
    await waitUntil(
      name,
      proc,
      async () => {
        const rows = await pgQuery<{ status: string }>(conn, 'SELECT status FROM pg_stat_wal_receiver');
        return rows[0]?.status === 'streaming' ? true : undefined;
      },
      30_000,
    );
    return {
      ...localServerFields({
        name,
        url: `postgres://${encodeURIComponent(conn.user)}:${encodeURIComponent(conn.password)}@127.0.0.1:${port}/${conn.database}`,
        dir,
        proc,
        t0,
        stopSignal: 'SIGINT',
      }),
      ...conn,
      version,
      binDir,
      primaryAddress,
    };
  });
}
