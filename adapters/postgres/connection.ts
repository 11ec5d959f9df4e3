/**
 * Connections to one endpoint of a workload: driver clients with the canonical session
 * settings, and the environment (never argv) for the native tools.
 */
import pg from 'pg';
import type { Endpoint, Workload } from '../../engine/model/index.ts';
import { redactUrl } from '../../engine/redact.ts';
import { adapterError } from './errors.ts';
import { CANONICAL_SETTINGS_SQL } from './canonical.ts';

/** Where a connection goes: one endpoint of a workload, one database. */
export interface ConnectionTarget {
  readonly workload: Workload;
  readonly endpoint: Endpoint;
}

/** The endpoint a capture reads from: the first replica for `replica`, else the primary. */
export function captureEndpoint(workload: Workload, strategy: string): Endpoint {
  if (strategy !== 'replica') return workload.primary;
  const replica = workload.replicas[0];
  if (replica === undefined) {
    throw adapterError(workload, 'replica strategy', new Error('the workload has no replica endpoint'));
  }
  return replica;
}

function userOf(target: ConnectionTarget): string {
  const fromUrl = safeUrl(target.endpoint.url)?.username;
  return target.workload.credentials.username ?? (fromUrl ? decodeURIComponent(fromUrl) : 'postgres');
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function sslMode(target: ConnectionTarget): string | undefined {
  return safeUrl(target.endpoint.url)?.searchParams.get('sslmode') ?? undefined;
}

/** `postgres://user@host:port/db` without a password, for messages. */
export function describeTarget(target: ConnectionTarget, database: string): string {
  return redactUrl(
    `postgres://${encodeURIComponent(userOf(target))}@${target.endpoint.host}:${target.endpoint.port}/${encodeURIComponent(database)}`,
  );
}

/** Why a client's session ended under it (e.g. the server terminated it), if it did. */
const sessionErrors = new WeakMap<pg.Client, Error>();

/** The error that ended `client`'s session, when the server ended it. */
export function sessionError(client: pg.Client): Error | undefined {
  return sessionErrors.get(client);
}

/**
 * Open a driver connection to `database`. With `canonical`, the session gets the
 * settings that make COPY text output a stable encoding (see canonical.ts).
 * @throws AdapterError (wrong password, unreachable, missing database) without the password.
 */
export async function connect(
  target: ConnectionTarget,
  database: string,
  options: { canonical?: boolean; applicationName?: string } = {},
): Promise<pg.Client> {
  const mode = sslMode(target);
  const client = new pg.Client({
    host: target.endpoint.host,
    port: target.endpoint.port,
    user: userOf(target),
    password: target.workload.credentials.password ?? '',
    database,
    application_name: options.applicationName ?? 'lifeboat',
    connectionTimeoutMillis: 15_000,
    ...(mode !== undefined && mode !== 'disable'
      ? { ssl: { rejectUnauthorized: mode === 'verify-full' || mode === 'verify-ca' } }
      : {}),
  });
  // An idle client whose server goes away emits 'error'; without a listener it would crash the process.
  // The error is kept: later queries only say the client "is not queryable".
  client.on('error', (error) => {
    if (!sessionErrors.has(client)) sessionErrors.set(client, error);
  });
  try {
    await client.connect();
    if (options.canonical) await client.query(CANONICAL_SETTINGS_SQL);
  } catch (error) {
    await client.end().catch(() => {});
    throw adapterError(target.workload, `cannot connect to ${describeTarget(target, database)}`, error);
  }
  return client;
}

/** Run `fn` with a connection that is always closed afterwards. */
export async function withConnection<T>(
  target: ConnectionTarget,
  database: string,
  fn: (client: pg.Client) => Promise<T>,
  options: { canonical?: boolean; applicationName?: string } = {},
): Promise<T> {
  const client = await connect(target, database, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Environment for pg_dump / pg_restore / pg_dumpall: the password goes here, never in argv. */
export function toolEnv(target: ConnectionTarget, database: string): Record<string, string> {
  const env: Record<string, string> = {
    PGHOST: target.endpoint.host,
    PGPORT: String(target.endpoint.port),
    PGUSER: userOf(target),
    PGDATABASE: database,
    PGAPPNAME: 'lifeboat',
    PGCONNECT_TIMEOUT: '15',
  };
  const password = target.workload.credentials.password;
  if (password !== undefined) env.PGPASSWORD = password;
  const mode = sslMode(target);
  if (mode !== undefined) env.PGSSLMODE = mode;
  return env;
}
