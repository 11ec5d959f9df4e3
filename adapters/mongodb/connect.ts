/**
 * Opening driver clients for a workload: which endpoints, which options, credentials
 * passed as driver options (never in a URL that could be printed).
 */
import { MongoClient, type MongoClientOptions, type ReadPreferenceMode } from 'mongodb';
import type { Endpoint, Workload } from '../../engine/model/index.ts';
import { adapterError, type ErrorSite } from './errors.ts';

/** URL query parameters of the workload URL that are passed on to the driver. */
const PASSED_PARAMS = [
  'authSource',
  'authMechanism',
  'replicaSet',
  'tls',
  'ssl',
  'tlsCAFile',
  'tlsInsecure',
  'appName',
];

/** A resolved place to connect to, with its credentials kept apart from printable parts. */
export interface MongoTarget {
  readonly hosts: readonly { readonly host: string; readonly port: number }[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Driver options from the workload URL (auth source, replica set name, TLS). */
  readonly params: Readonly<Record<string, string>>;
  readonly site: ErrorSite;
}

function paramsOf(endpoint: Endpoint): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    const url = new URL(endpoint.url);
    for (const key of PASSED_PARAMS) {
      const value = url.searchParams.get(key);
      if (value !== null) out[key] = value;
    }
  } catch {
    // A URL the WHATWG parser refuses (several hosts) carries no options we need.
  }
  return out;
}

/**
 * The workload's endpoints to connect to: `primary` is the primary alone; `all` is the
 * primary followed by every listed replica (a seed list for secondary reads).
 */
export function resolveTarget(workload: Workload, which: 'primary' | 'all' = 'primary'): MongoTarget {
  const endpoints = which === 'all' ? [workload.primary, ...workload.replicas] : [workload.primary];
  const hosts = endpoints.map((e) => ({ host: e.host, port: e.port }));
  const password = workload.credentials.password;
  return {
    hosts,
    username: workload.credentials.username,
    password,
    params: paramsOf(workload.primary),
    site: {
      workload: workload.name,
      server: hosts.map((h) => `${h.host}:${h.port}`).join(','),
      secrets: password === undefined ? [] : [password],
    },
  };
}

/** How to connect: one server directly, or a replica set with a read preference. */
export interface ConnectOptions {
  readonly readPreference?: ReadPreferenceMode;
  readonly signal?: AbortSignal;
  readonly poolSize?: number;
}

/**
 * Open a client and check it with `ping` (so a bad password fails here, clearly).
 * A target with one host and no replica set name connects directly to that server.
 * @throws AdapterError naming the server, never the password.
 */
export async function connect(target: MongoTarget, options: ConnectOptions = {}): Promise<MongoClient> {
  options.signal?.throwIfAborted();
  const hostList = target.hosts
    .map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`)
    .join(',');
  const query = new URLSearchParams(target.params);
  const direct = target.hosts.length === 1 && target.params.replicaSet === undefined;
  const clientOptions: MongoClientOptions = {
    directConnection: direct,
    serverSelectionTimeoutMS: 10_000,
    connectTimeoutMS: 10_000,
    maxPoolSize: Math.max(2, options.poolSize ?? 4),
    enableUtf8Validation: false,
    ...(options.readPreference === undefined ? {} : { readPreference: options.readPreference }),
    ...(target.username === undefined
      ? {}
      : {
          auth: {
            username: target.username,
            ...(target.password === undefined ? {} : { password: target.password }),
          },
        }),
  };
  if (target.username !== undefined && target.params.authSource === undefined)
    clientOptions.authSource = 'admin';
  const qs = query.toString();
  const client = new MongoClient(`mongodb://${hostList}/${qs ? `?${qs}` : ''}`, clientOptions);
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    throw adapterError('connect', target.site, error);
  }
}

/** Run `fn` with a connected client, closing it afterwards. */
export async function withClient<T>(
  target: MongoTarget,
  options: ConnectOptions,
  fn: (client: MongoClient) => Promise<T>,
): Promise<T> {
  const client = await connect(target, options);
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}
