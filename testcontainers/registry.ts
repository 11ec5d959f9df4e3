/**
 * The servers the broker can share, by name, and how each is started. A replica's starter
 * asks for its primary through `get`, so both are shared and started once.
 */
import type { TestServer } from './types.ts';
import { startMariadb, type MariadbServer } from './mariadb.ts';
import { startMariadbReplica, type MariadbReplicaServer } from './mariadb-replica.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { startPostgresStandby, type PostgresStandbyServer } from './postgres-standby.ts';
import { startFerretdb, type FerretdbServer } from './ferretdb.ts';
import { startCassandra, type CassandraServer } from './cassandra.ts';
import { startS3, type S3Server } from './s3.ts';
import { startKube, type KubeServer } from './kube.ts';

/** Server name → handle type. */
export interface ServerTypes {
  postgres: PostgresServer;
  'postgres-standby': PostgresStandbyServer;
  mariadb: MariadbServer;
  'mariadb-replica': MariadbReplicaServer;
  ferretdb: FerretdbServer;
  cassandra: CassandraServer;
  s3: S3Server;
  kube: KubeServer;
}

export type ServerName = keyof ServerTypes;

/** Returns the shared server `name`, starting it on first use. */
export type GetServer = <K extends ServerName>(name: K) => Promise<ServerTypes[K]>;

type Starters = { readonly [K in ServerName]: (get: GetServer) => Promise<ServerTypes[K]> };

export const STARTERS: Starters = {
  postgres: () => startPostgres(),
  'postgres-standby': async (get) => startPostgresStandby(await get('postgres')),
  mariadb: () => startMariadb(),
  'mariadb-replica': async (get) => startMariadbReplica(await get('mariadb')),
  ferretdb: () => startFerretdb(),
  cassandra: () => startCassandra(),
  s3: () => startS3(),
  kube: () => startKube(),
};

/** Every shared server name, in the order `servers:check` runs them. */
export const SERVER_NAMES = Object.keys(STARTERS) as ServerName[];

export function isServerName(name: string): name is ServerName {
  return Object.hasOwn(STARTERS, name);
}

/**
 * Servers started on demand, each at most once; `stopAll` stops them in reverse start
 * order (replicas before their primaries).
 */
export class ServerPool {
  readonly #started = new Map<ServerName, Promise<TestServer>>();
  readonly #order: TestServer[] = [];

  get: GetServer = <K extends ServerName>(name: K): Promise<ServerTypes[K]> => {
    let p = this.#started.get(name);
    if (p === undefined) {
      const starter = STARTERS[name] as (get: GetServer) => Promise<TestServer>;
      p = starter(this.get).then((server) => {
        this.#order.push(server);
        return server;
      });
      // A failed start is remembered: later requests fail fast with the same error.
      this.#started.set(name, p);
    }
    return p as Promise<ServerTypes[K]>;
  };

  /** Stops everything started so far (waiting for starts in flight); never throws. */
  async stopAll(): Promise<void> {
    await Promise.allSettled(this.#started.values());
    for (const server of this.#order.reverse()) {
      await server.stop().catch((err: unknown) => {
        console.error(`[testcontainers] stopping ${server.name}: ${String(err)}`);
      });
    }
    this.#order.length = 0;
    this.#started.clear();
  }
}
