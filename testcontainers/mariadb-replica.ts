import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import type { SharedServer } from './types.ts';
import { externalMariadb, localMariadbHandle, type MariadbServer } from './mariadb.ts';
import { findMariadb, installDb, launchMariadbd, secureRoot, withMariadb } from './_mariadb.ts';
import { freePorts, serverDir, waitUntil, withCleanup } from './_process.ts';

/** A read-only MariaDB replica following its primary by GTID (`MASTER_USE_GTID=slave_pos`). */
export interface MariadbReplicaServer extends MariadbServer {
  /** `host:port` of the primary it replicates from. */
  readonly primaryAddress: string;
}

/** Environment variable naming an existing replica of the `LIFEBOAT_TEST_MARIADB_URL` server. */
export const MARIADB_REPLICA_URL_ENV = 'LIFEBOAT_TEST_MARIADB_REPLICA_URL';

/**
 * Starts an empty MariaDB server and makes it a GTID replica of `primary`; it replays
 * the primary's binlog from the beginning, so everything written since the primary
 * started arrives. Resolves once both replication threads run. Stop it before the primary.
 * @throws TestServerError when it cannot start or replication does not come up.
 */
export async function startMariadbReplica(
  primary: MariadbServer | SharedServer<MariadbServer>,
  options: { name?: string } = {},
): Promise<MariadbReplicaServer> {
  const name = options.name ?? 'mariadb-replica';
  const serverId = primary.serverId + 1;
  const t0 = performance.now();
  const primaryAddress = `${primary.host}:${primary.port}`;
  const fromEnv = process.env[MARIADB_REPLICA_URL_ENV];
  if (fromEnv) return { ...(await externalMariadb(name, fromEnv, serverId, t0)), primaryAddress };

  const bins = findMariadb(name);
  const dir = await serverDir(name);
  return withCleanup(dir, async (onFail) => {
    const password = randomBytes(16).toString('hex');
    const [port = 0] = await freePorts(1);
    const dataDir = join(dir, 'data');
    await installDb(name, bins.installDb, dir, dataDir);
    const proc = await launchMariadbd(bins.mariadbd, dir, dataDir, port, serverId, ['--read-only']);
    onFail(() => proc.stop('SIGKILL', 2_000));
    await secureRoot(name, proc, dir, password);
    const conn = { host: '127.0.0.1', port, user: 'root', password };
    await withMariadb(conn, async (c) => {
      await c.query(
        'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
          'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1',
        [primary.host, primary.port, primary.user, primary.password],
      );
      await c.query('START SLAVE');
    });
    await waitUntil(
      name,
      proc,
      () =>
        withMariadb(conn, async (c) => {
          const [rows] = await c.query<mysql.RowDataPacket[]>('SHOW SLAVE STATUS');
          const s = rows[0];
          if (s?.Last_IO_Error) throw new Error(String(s.Last_IO_Error));
          if (s?.Last_SQL_Error) throw new Error(String(s.Last_SQL_Error));
          return s?.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes' ? true : undefined;
        }),
      30_000,
    );
    return { ...(await localMariadbHandle({ name, conn, proc, dir, serverId, t0 })), primaryAddress };
  });
}
