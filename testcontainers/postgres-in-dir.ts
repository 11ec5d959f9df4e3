/**
 * A PostgreSQL server whose data directory is a given path (e.g. a CSI volume of
 * `csi-snapshot.ts`): initialised there, or started on a directory that already holds a
 * cluster (a restored snapshot). Socket and log live in a private directory.
 */
import { randomBytes } from 'node:crypto';
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostgresServer } from './postgres.ts';
import { findPgBinDir, launchPostmaster, waitForPostgres } from './_postgres.ts';
import {
  freePorts,
  removeDir,
  runTool,
  secondsSince,
  serverDir,
  unprivilegedUser,
  withCleanup,
} from './_process.ts';

export interface PostgresInDirOptions {
  readonly name?: string;
  /** The data directory (must exist, empty unless `existing`). */
  readonly dataDir: string;
  /** Start on the cluster already in `dataDir` instead of running initdb. */
  readonly existing?: boolean;
  /** The superuser password: generated for a new cluster, required for an existing one. */
  readonly password?: string;
  readonly settings?: Readonly<Record<string, string | number>>;
}

/** Starts a private postmaster on `options.dataDir`; `stop` leaves the data directory. */
export async function startPostgresInDir(options: PostgresInDirOptions): Promise<PostgresServer> {
  const name = options.name ?? 'postgres-in-dir';
  const t0 = performance.now();
  const binDir = findPgBinDir(name);
  const user = unprivilegedUser();
  const dir = await serverDir(name, user);
  return withCleanup(dir, async (onFail) => {
    const password = options.password ?? randomBytes(16).toString('hex');
    const [port = 0] = await freePorts(1);
    if (user) await chown(options.dataDir, user.uid, user.gid);
    if (!options.existing) {
      const pwfile = join(dir, 'pwfile');
      await writeFile(pwfile, password, { mode: 0o600 });
      if (user) await chown(pwfile, user.uid, user.gid);
      await runTool(name, {
        command: join(binDir, 'initdb'),
        args: [
          '-D',
          options.dataDir,
          '-U',
          'postgres',
          `--pwfile=${pwfile}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
        ],
        logPath: join(dir, 'initdb.log'),
        cwd: dir,
        ...(user ? { user } : {}),
      });
      await rm(pwfile);
    }
    const proc = await launchPostmaster(binDir, dir, options.dataDir, port, options.settings);
    onFail(() => proc.stop('SIGQUIT', 2_000));
    const conn = { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' };
    const version = await waitForPostgres(name, proc, conn);
    let stopped = false;
    return {
      name,
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      ...conn,
      version,
      dataDir: dir,
      logPath: proc.logPath,
      startSeconds: secondsSince(t0),
      external: false,
      binDir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await proc.stop('SIGINT');
        await removeDir(dir);
      },
    };
  });
}
