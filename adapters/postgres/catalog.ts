/**
 * Catalog reads a capture needs, run inside the dump's snapshot transaction so the
 * table list, columns and sequence values match the data and the schema dump.
 */
import type pg from 'pg';
import { qualified } from './canonical.ts';

/** A table whose rows are copied: ordinary tables and leaf partitions. */
export interface TableInfo {
  readonly schema: string;
  readonly name: string;
  /** Copied columns in attnum order; generated and dropped columns are excluded. */
  readonly columns: readonly string[];
  /** `p` permanent, `u` unlogged. */
  readonly persistence: string;
  /** Size estimate in bytes (relpages × 8 KiB) for scheduling and ETA. */
  readonly estimatedBytes: number;
}

export interface SequenceValue {
  readonly schema: string;
  readonly name: string;
  readonly lastValue: string;
  readonly isCalled: boolean;
}

export interface DatabaseInfo {
  readonly encoding: string;
  readonly collate: string;
  readonly ctype: string;
}

/** Schemas that are never user data. */
const SYSTEM_SCHEMA_FILTER = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/** Objects owned by an extension are recreated by CREATE EXTENSION, not copied. */
const NOT_EXTENSION_MEMBER = `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')`;

/** Connectable, non-template databases, by name. */
export async function listDatabases(client: pg.Client): Promise<string[]> {
  const r = await client.query<{ datname: string }>(
    'SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname',
  );
  return r.rows.map((row) => row.datname);
}

export async function databaseInfo(client: pg.Client): Promise<DatabaseInfo> {
  const r = await client.query<DatabaseInfo>(
    `SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype
       FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()`,
  );
  const row = r.rows[0];
  if (row === undefined) throw new Error('current database not found in pg_database');
  return row;
}

/** Tables to copy, largest first (so parallel workers finish together). */
export async function listTables(client: pg.Client): Promise<TableInfo[]> {
  const r = await client.query<{
    schema: string;
    name: string;
    columns: string[];
    persistence: string;
    pages: string;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relpersistence AS persistence, c.relpages::text AS pages,
            coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''),
                     '{}'::text[]) AS columns
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relpersistence <> 't' AND ${SYSTEM_SCHEMA_FILTER} AND ${NOT_EXTENSION_MEMBER}
      ORDER BY c.relpages DESC, n.nspname, c.relname`,
  );
  return r.rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    columns: row.columns,
    persistence: row.persistence,
    estimatedBytes: Number(row.pages) * 8192,
  }));
}

/** Every user table and partitioned table (what a write fence must lock). */
export async function listLockableTables(client: pg.Client): Promise<{ schema: string; name: string }[]> {
  const r = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND NOT c.relispartition AND ${SYSTEM_SCHEMA_FILTER}
      ORDER BY 1, 2`,
  );
  return r.rows;
}

/** Sequence positions (read as of now: sequences are not transactional, as in pg_dump). */
export async function readSequences(client: pg.Client, skipUnlogged: boolean): Promise<SequenceValue[]> {
  const r = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND c.relpersistence <> 't' ${skipUnlogged ? "AND c.relpersistence <> 'u'" : ''}
        AND ${SYSTEM_SCHEMA_FILTER} AND ${NOT_EXTENSION_MEMBER}
      ORDER BY 1, 2`,
  );
  const out: SequenceValue[] = [];
  for (const seq of r.rows) {
    const v = await client.query<{ last_value: string; is_called: boolean }>(
      `SELECT last_value::text AS last_value, is_called FROM ${qualified(seq.schema, seq.name)}`,
    );
    const row = v.rows[0];
    if (row)
      out.push({ schema: seq.schema, name: seq.name, lastValue: row.last_value, isCalled: row.is_called });
  }
  return out;
}

/** Materialized views that hold data (they are refreshed after restore). */
export async function populatedMatviews(client: pg.Client): Promise<{ schema: string; name: string }[]> {
  const r = await client.query<{ schema: string; name: string }>(
    `SELECT schemaname AS schema, matviewname AS name FROM pg_catalog.pg_matviews
      WHERE ispopulated AND schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  return r.rows;
}

export async function largeObjectCount(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM pg_catalog.pg_largeobject_metadata',
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** True when the database holds any user object (tables, views, functions, types, schemas). */
export async function hasUserObjects(client: pg.Client): Promise<boolean> {
  const r = await client.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE ${SYSTEM_SCHEMA_FILTER})
          + (SELECT count(*) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              WHERE ${SYSTEM_SCHEMA_FILTER})
          + (SELECT count(*) FROM pg_catalog.pg_namespace n WHERE ${SYSTEM_SCHEMA_FILTER} AND n.nspname <> 'public')
          + (SELECT count(*) FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql') AS n`,
  );
  return Number(r.rows[0]?.n ?? 0) > 0;
}
