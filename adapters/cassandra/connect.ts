/**
 * Opening a driver session for a workload. The data centre the driver treats as local
 * comes from the URL (`?dc=`), the `lifeboat.dev/datacenter` annotation, or
 * `datacenter1` (Cassandra's default).
 */
import cassandra from 'cassandra-driver';
import type { Workload } from '../../engine/model/index.ts';
import { adapterError, type ErrorSite } from './errors.ts';

/** Annotation naming the local data centre. */
export const DATACENTER_ANNOTATION = 'lifeboat.dev/datacenter';

export interface CassandraTarget {
  readonly host: string;
  readonly port: number;
  readonly dataCenter: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly site: ErrorSite;
}

/** Resolve the workload's primary endpoint (any node: Cassandra has no primary). Pure. */
export function resolveTarget(workload: Workload): CassandraTarget {
  const endpoint = workload.primary;
  let dc: string | undefined;
  try {
    dc = new URL(endpoint.url).searchParams.get('dc') ?? undefined;
  } catch {
    dc = undefined;
  }
  const password = workload.credentials.password;
  return {
    host: endpoint.host,
    port: endpoint.port,
    dataCenter: dc ?? workload.annotations[DATACENTER_ANNOTATION] ?? 'datacenter1',
    user: workload.credentials.username,
    password,
    site: {
      workload: workload.name,
      server: `${endpoint.host}:${endpoint.port}`,
      secrets: password === undefined ? [] : [password],
    },
  };
}

/**
 * Connect a client (`poolSize` connections per node). Throws an AdapterError naming the
 * node (never the password) when it cannot connect or authenticate.
 */
export async function connect(
  target: CassandraTarget,
  signal: AbortSignal,
  poolSize = 1,
): Promise<cassandra.Client> {
  signal.throwIfAborted();
  const client = new cassandra.Client({
    contactPoints: [`${target.host}:${target.port}`],
    localDataCenter: target.dataCenter,
    ...(target.user === undefined
      ? {}
      : { credentials: { username: target.user, password: target.password ?? '' } }),
    socketOptions: { connectTimeout: 10_000, readTimeout: 120_000 },
    pooling: {
      coreConnectionsPerHost: {
        [cassandra.types.distance.local]: poolSize,
        [cassandra.types.distance.remote]: 1,
      },
    },
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum },
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw adapterError('connect', target.site, error);
  }
}

/** Run `fn` with a connected client, always shutting it down. */
export async function withClient<T>(
  target: CassandraTarget,
  signal: AbortSignal,
  fn: (client: cassandra.Client) => Promise<T>,
  poolSize = 1,
): Promise<T> {
  const client = await connect(target, signal, poolSize);
  try {
    return await fn(client);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/** Execute one statement (prepared when it has parameters), wrapping failures. */
export async function run(
  client: cassandra.Client,
  target: CassandraTarget,
  what: string,
  cql: string,
  params: readonly unknown[] = [],
  options: cassandra.QueryOptions = {},
): Promise<cassandra.types.ResultSet> {
  try {
    return await client.execute(cql, [...params], { prepare: params.length > 0, ...options });
  } catch (error) {
    throw adapterError(what, target.site, error);
  }
}
