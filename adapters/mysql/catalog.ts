/**
 * Reading the objects to capture (databases, tables, columns, views, routines, triggers,
 * events, users) through a snapshot connection. `SHOW CREATE` runs with the object's
 * database as the current one so the DDL names objects unqualified and can be replayed
 * into a renamed database.
 */
import type { Connection } from 'mysql2/promise';
import { AdapterError } from '../../engine/errors.ts';
import { run, type MysqlTarget } from './connect.ts';
import { columnKind, quoteIdent, type ColumnKind } from './sql-literal.ts';
import { isIntegerType } from './split-ranges.ts';

/** Schemas that belong to the server, never captured as user data. */
export const SYSTEM_DATABASES: readonly string[] = [
  'mysql',
  'information_schema',
  'performance_schema',
  'sys',
];

export interface ColumnInfo {
  readonly name: string;
  readonly kind: ColumnKind;
}

export interface TableInfo {
  readonly name: string;
  readonly engine: string;
  /** Stored columns only: generated columns are recomputed by the server on load. */
  readonly columns: readonly ColumnInfo[];
  readonly approxBytes: number;
  readonly createSql: string;
  /** First primary key column when it is an integer (the table can be split by ranges). */
  readonly splitColumn: string | undefined;
}

/** A DDL statement replayed after the data, with the sql_mode it was created under. */
export interface PostObject {
  readonly type: 'procedure' | 'function' | 'view' | 'trigger' | 'event';
  readonly name: string;
  readonly createSql: string;
  readonly sqlMode?: string;
}

export interface DatabaseInfo {
  readonly name: string;
  readonly charset: string;
  readonly collation: string;
  readonly tables: readonly TableInfo[];
  /** Routines first, then views (dependencies first), triggers, events. */
  readonly post: readonly PostObject[];
}

/** Database names to capture: the requested ones (all must exist) or every user database. */
export async function listDatabases(
  conn: Connection,
  target: MysqlTarget,
  requested: readonly string[],
): Promise<string[]> {
  const rows = await run<{ n: string }>(
    conn,
    target,
    'list databases',
    'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME',
  );
  const all = rows.map((r) => r.n);
  if (requested.length === 0) return all.filter((n) => !SYSTEM_DATABASES.includes(n));
  const missing = requested.filter((n) => !all.includes(n));
  if (missing.length > 0) {
    throw new AdapterError(
      'mysql',
      `mysql on ${target.site.server}: database(s) not found: ${missing.join(', ')}`,
      {
        workload: target.site.workload,
      },
    );
  }
  return [...requested];
}

async function showCreate(
  conn: Connection,
  target: MysqlTarget,
  sql: string,
  column: string,
  what: string,
): Promise<{ sql: string; sqlMode?: string }> {
  const rows = await run<Record<string, string | null>>(conn, target, `read definition of ${what}`, sql);
  const text = rows[0]?.[column];
  if (typeof text !== 'string') {
    throw new AdapterError(
      'mysql',
      `mysql on ${target.site.server}: cannot read the definition of ${what} (missing privilege? SHOW CREATE returned none)`,
      { workload: target.site.workload },
    );
  }
  const mode = rows[0]?.sql_mode;
  return typeof mode === 'string' ? { sql: text, sqlMode: mode } : { sql: text };
}

/** Views ordered so that a view comes after the views its definition names. Pure. */
export function orderViews(views: readonly PostObject[]): PostObject[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const done = new Set<string>();
  const out: PostObject[] = [];
  const visit = (v: PostObject, stack: Set<string>): void => {
    if (done.has(v.name) || stack.has(v.name)) return;
    stack.add(v.name);
    for (const other of byName.values()) {
      if (other.name !== v.name && v.createSql.includes(quoteIdent(other.name))) visit(other, stack);
    }
    done.add(v.name);
    out.push(v);
  };
  for (const v of views) visit(v, new Set());
  return out;
}

/** Everything needed to recreate `db` and dump its tables. */
export async function readDatabase(conn: Connection, target: MysqlTarget, db: string): Promise<DatabaseInfo> {
  await run(conn, target, `use ${db}`, `USE ${quoteIdent(db)}`);
  const [schema] = await run<{ cs: string; co: string }>(
    conn,
    target,
    'read database charset',
    'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [db],
  );
  const tableRows = await run<{ n: string; t: string; e: string | null; b: number | string | null }>(
    conn,
    target,
    'list tables',
    'SELECT TABLE_NAME AS n, TABLE_TYPE AS t, ENGINE AS e, DATA_LENGTH AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db],
  );
  const columnRows = await run<{ t: string; c: string; d: string }>(
    conn,
    target,
    'list columns',
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND IS_GENERATED <> 'ALWAYS' ORDER BY TABLE_NAME, ORDINAL_POSITION",
    [db],
  );
  const keyRows = await run<{ t: string; c: string; d: string }>(
    conn,
    target,
    'list primary keys',
    `SELECT s.TABLE_NAME AS t, s.COLUMN_NAME AS c, c.DATA_TYPE AS d FROM information_schema.STATISTICS s
       JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME
      WHERE s.TABLE_SCHEMA = ? AND s.INDEX_NAME = 'PRIMARY' AND s.SEQ_IN_INDEX = 1`,
    [db],
  );
  const splitColumnOf = new Map(keyRows.filter((r) => isIntegerType(r.d)).map((r) => [r.t, r.c]));
  const columnsOf = new Map<string, ColumnInfo[]>();
  for (const r of columnRows) {
    const list = columnsOf.get(r.t) ?? [];
    list.push({ name: r.c, kind: columnKind(r.d) });
    columnsOf.set(r.t, list);
  }
  const tables: TableInfo[] = [];
  const views: PostObject[] = [];
  for (const r of tableRows) {
    if (r.t === 'VIEW') {
      const v = await showCreate(
        conn,
        target,
        `SHOW CREATE VIEW ${quoteIdent(r.n)}`,
        'Create View',
        `view ${db}.${r.n}`,
      );
      views.push({ type: 'view', name: r.n, createSql: v.sql });
    } else if (r.t === 'BASE TABLE' || r.t === 'SYSTEM VERSIONED') {
      const t = await showCreate(
        conn,
        target,
        `SHOW CREATE TABLE ${quoteIdent(r.n)}`,
        'Create Table',
        `table ${db}.${r.n}`,
      );
      tables.push({
        name: r.n,
        engine: r.e ?? '',
        columns: columnsOf.get(r.n) ?? [],
        approxBytes: Number(r.b ?? 0),
        createSql: t.sql,
        splitColumn: splitColumnOf.get(r.n),
      });
    } else {
      throw new AdapterError(
        'mysql',
        `mysql: ${db}.${r.n} is a ${r.t}, which this adapter does not capture yet`,
        {
          workload: target.site.workload,
        },
      );
    }
  }
  const post: PostObject[] = [];
  const routines = await run<{ n: string; t: string }>(
    conn,
    target,
    'list routines',
    'SELECT ROUTINE_NAME AS n, ROUTINE_TYPE AS t FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME',
    [db],
  );
  for (const r of routines) {
    const type = r.t === 'FUNCTION' ? 'function' : 'procedure';
    const col = type === 'function' ? 'Create Function' : 'Create Procedure';
    const def = await showCreate(
      conn,
      target,
      `SHOW CREATE ${r.t} ${quoteIdent(r.n)}`,
      col,
      `${type} ${db}.${r.n}`,
    );
    post.push({
      type,
      name: r.n,
      createSql: def.sql,
      ...(def.sqlMode === undefined ? {} : { sqlMode: def.sqlMode }),
    });
  }
  post.push(...orderViews(views));
  const triggers = await run<{ n: string }>(
    conn,
    target,
    'list triggers',
    'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER',
    [db],
  );
  for (const r of triggers) {
    const def = await showCreate(
      conn,
      target,
      `SHOW CREATE TRIGGER ${quoteIdent(r.n)}`,
      'SQL Original Statement',
      `trigger ${db}.${r.n}`,
    );
    post.push({
      type: 'trigger',
      name: r.n,
      createSql: def.sql,
      ...(def.sqlMode === undefined ? {} : { sqlMode: def.sqlMode }),
    });
  }
  const events = await run<{ n: string }>(
    conn,
    target,
    'list events',
    'SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME',
    [db],
  );
  for (const r of events) {
    const def = await showCreate(
      conn,
      target,
      `SHOW CREATE EVENT ${quoteIdent(r.n)}`,
      'Create Event',
      `event ${db}.${r.n}`,
    );
    post.push({
      type: 'event',
      name: r.n,
      createSql: def.sql,
      ...(def.sqlMode === undefined ? {} : { sqlMode: def.sqlMode }),
    });
  }
  return {
    name: db,
    charset: schema?.cs ?? 'utf8mb4',
    collation: schema?.co ?? 'utf8mb4_general_ci',
    tables,
    post,
  };
}

/**
 * `CREATE USER IF NOT EXISTS` and `GRANT` statements for the server's accounts (except
 * built-in ones), or `undefined` when this user may not read `mysql.user`.
 */
export async function readUsers(conn: Connection, target: MysqlTarget): Promise<string[] | undefined> {
  let accounts: { u: string; h: string }[];
  try {
    [accounts] = (await conn.query(
      "SELECT User AS u, Host AS h FROM mysql.user WHERE User NOT IN ('', 'root', 'mariadb.sys', 'mysql', 'PUBLIC') AND is_role = 'N' ORDER BY User, Host",
    )) as unknown as [{ u: string; h: string }[]];
  } catch {
    return undefined;
  }
  const out: string[] = [];
  for (const a of accounts) {
    const account = `${quoteString(a.u)}@${quoteString(a.h)}`;
    const [create] = await run<Record<string, string>>(
      conn,
      target,
      `read user ${a.u}`,
      `SHOW CREATE USER ${account}`,
    );
    const text = create === undefined ? undefined : Object.values(create)[0];
    if (text) out.push(text.replace(/^CREATE USER /, 'CREATE USER IF NOT EXISTS '));
    const grants = await run<Record<string, string>>(
      conn,
      target,
      `read grants of ${a.u}`,
      `SHOW GRANTS FOR ${account}`,
    );
    for (const g of grants) {
      const stmt = Object.values(g)[0];
      if (stmt) out.push(stmt);
    }
  }
  return out;
}

function quoteString(s: string): string {
  return "'" + s.replaceAll('\\', '\\\\').replaceAll("'", "\\'") + "'";
}
