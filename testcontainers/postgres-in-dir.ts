/**
 * A PostgreSQL server whose data directory is a given path (e.g. a CSI volume of
 * `csi-snapshot.ts`): initialised there, or started on a directory that already holds a
 * cluster (a restored snapshot). Socket and log live in a private directory.
 */
import { randomBytes } from 'node:crypto';
import { chown } from 'node:fs/promises';
import type { PostgresServer } from './postgres.ts';
import { localPostgresHandle } from './postgres.ts';
import { findPgBinDir, initPostgresCluster, launchPostmaster } from './_postgres.ts';
import { freePorts, serverDir, unprivilegedUser, withCleanup } from './_process.ts';

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
    if (!options.existing) await initPostgresCluster(name, binDir, dir, options.dataDir, password);
    const proc = await launchPostmaster(binDir, dir, options.dataDir, port, options.settings);
    onFail(() => proc.stop('SIGQUIT', 2_000));
    return localPostgresHandle({ name, binDir, dir, proc, port, password, t0 });
  });
}
