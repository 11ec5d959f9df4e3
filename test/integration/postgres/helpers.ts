/** Test helpers for the PostgreSQL adapter: workloads for test servers, SQL, comparisons. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { Endpoint, Fingerprint, Workload } from '../../../engine/model/index.ts';
import type { ProgressSink } from '../../../adapters/types.ts';
import { pgConnect } from '../../_support/sql.ts';
import { DirArtifacts } from './dir-artifacts.ts';

/** What the tests need of a server handle (shared or private). */
export interface PgServerInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export function endpointOf(server: PgServerInfo, role: Endpoint['role'], database = 'postgres'): Endpoint {
  return {
    host: server.host,
    port: server.port,
    role,
    url: `postgres://${server.user}@${server.host}:${server.port}/${database}`,
  };
}

/** A workload on `primary` (and optional standby) capturing `databases`. */
export function workloadOf(
  primary: PgServerInfo,
  databases: readonly string[],
  options: { standby?: PgServerInfo; password?: string; user?: string; primaryEndpoint?: Endpoint } = {},
): Workload {
  return {
    name: 'pg-test',
    engine: 'postgres',
    primary: options.primaryEndpoint ?? endpointOf(primary, 'primary'),
    replicas: options.standby ? [endpointOf(options.standby, 'replica')] : [],
    databases,
    credentials: { username: options.user ?? primary.user, password: options.password ?? primary.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
}

export const noProgress: ProgressSink = {
  bytes() {},
  rows() {},
  estimate() {},
};

/** A fresh, unique database name (servers are shared between test files). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

const tempDirs: string[] = [];

/** A directory-backed sink/source, removed by `removeTempDirs` (call it in afterAll). */
export async function tempArtifacts(): Promise<DirArtifacts> {
  return new DirArtifacts(await tempDir('lifeboat-pg-test-'));
}

/** A temporary directory, removed by `removeTempDirs`. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Run `fn` with a client on `database`. */
export async function withClient<T>(
  server: PgServerInfo,
  database: string,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await pgConnect(server, database);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(server: PgServerInfo, name: string): Promise<void> {
  await withClient(server, 'postgres', (c) => c.query(`CREATE DATABASE "${name}"`));
}

/** Re-key a fingerprint from one database name to another (restores under a new name). */
export function renameKeys(fp: Fingerprint, from: string, to: string): Fingerprint {
  return Object.fromEntries(
    Object.entries(fp).map(([k, v]) => [
      k.startsWith(`${from}.`) ? `${to}.${k.slice(from.length + 1)}` : k,
      v,
    ]),
  );
}

/**
 * Everything a restore must reproduce, read with plain SQL independent of the adapter:
 * every table's rows (as text, sorted, hashed), views, functions, triggers, indexes,
 * constraints, sequences, enums, domains, partitions and materialized views.
 */
export async function contentSummary(
  server: PgServerInfo,
  database: string,
): Promise<Record<string, unknown>> {
  return withClient(server, database, async (c) => {
    await c.query("SET TimeZone = 'UTC'; SET extra_float_digits = 3");
    const out: Record<string, unknown> = {};
    const tables = await c.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1, 2`,
    );
    for (const t of tables.rows) {
      const q = `"${t.schema.replaceAll('"', '""')}"."${t.name.replaceAll('"', '""')}"`;
      const r = await c.query<{ n: string; h: string | null }>(
        `SELECT count(*)::text AS n, md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS h FROM ${q} x`,
      );
      out[`rows ${t.schema}.${t.name}`] = r.rows[0];
    }
    const catalogQueries: Record<string, string> = {
      views: `SELECT schemaname, viewname, definition FROM pg_views WHERE schemaname NOT IN ('pg_catalog','information_schema') ORDER BY 1, 2`,
      matviews: `SELECT schemaname, matviewname, ispopulated, definition FROM pg_matviews ORDER BY 1, 2`,
      functions: `SELECT n.nspname, p.proname, pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname NOT IN ('pg_catalog','information_schema') ORDER BY 1, 2, 3`,
      triggers: `SELECT tgrelid::regclass::text AS rel, tgname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t WHERE NOT tgisinternal ORDER BY 1, 2`,
      indexes: `SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog','information_schema') ORDER BY 1, 2, 3`,
      constraints: `SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                     WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY 1, 2`,
      sequences: `SELECT schemaname, sequencename, last_value::text, increment_by::text FROM pg_sequences ORDER BY 1, 2`,
      enums: `SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid GROUP BY 1 ORDER BY 1`,
      domains: `SELECT domain_schema, domain_name, data_type FROM information_schema.domains ORDER BY 1, 2`,
      partitions: `SELECT inhrelid::regclass::text AS child, inhparent::regclass::text AS parent, pg_get_expr(c.relpartbound, c.oid) AS bound
                    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1`,
      largeObjects: `SELECT oid::text, md5(lo_get(oid)) AS h FROM pg_largeobject_metadata ORDER BY oid`,
      columns: `SELECT table_schema, table_name, column_name, data_type, column_default, is_generated, generation_expression
                 FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog','information_schema') ORDER BY 1, 2, ordinal_position`,
    };
    for (const [key, sql] of Object.entries(catalogQueries)) out[key] = (await c.query(sql)).rows;
    return out;
  });
}

/** Waits until the standby has replayed everything the primary wrote so far. */
export async function caughtUp(
  primary: PgServerInfo,
  standby: PgServerInfo,
  timeoutMs = 20_000,
): Promise<void> {
  const target = await withClient(
    primary,
    'postgres',
    async (c) => (await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]?.l,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await withClient(standby, 'postgres', async (c) => {
      const r = await c.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [
        target,
      ]);
      return r.rows[0]?.ok === true;
    });
    if (done) return;
    if (Date.now() > deadline) throw new Error(`standby did not catch up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
