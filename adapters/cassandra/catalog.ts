/**
 * Reading what a capture needs from the server: user keyspaces, their schema as the
 * server's own `DESCRIBE KEYSPACE` prints it (Cassandra 4+: faithful CREATE statements
 * with every table option, clustering order, static columns, indexes and views), and each
 * table's columns from `system_schema.columns`.
 */
import type cassandra from 'cassandra-driver';
import { AdapterError } from '../../engine/errors.ts';
import { orderTypes, parseIdent, quoteIdent, tokenize, identName } from './cql-text.ts';
import { run, type CassandraTarget } from './connect.ts';
import { tableSpec, type SchemaColumnRow, type TableSpec } from './table-spec.ts';

/** Keyspaces that belong to Cassandra itself. */
export const SYSTEM_KEYSPACES: ReadonlySet<string> = new Set([
  'system',
  'system_schema',
  'system_auth',
  'system_distributed',
  'system_traces',
  'system_views',
  'system_virtual_schema',
  'system_cluster_metadata',
]);

/** Schema of one keyspace: statements run before the data, and after it (indexes, views). */
export interface KeyspaceSchema {
  readonly name: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly tables: readonly TableSpec[];
  readonly views: readonly string[];
}

/** User keyspaces, or `wanted` after checking each exists. */
export async function listKeyspaces(
  client: cassandra.Client,
  target: CassandraTarget,
  wanted: readonly string[],
): Promise<string[]> {
  const rs = await run(client, target, 'list keyspaces', 'SELECT keyspace_name FROM system_schema.keyspaces');
  const all = rs.rows.map((r) => String(r.get('keyspace_name')));
  if (wanted.length === 0) return all.filter((k) => !SYSTEM_KEYSPACES.has(k)).sort();
  const missing = wanted.filter((k) => !all.includes(k));
  if (missing.length > 0) {
    throw new AdapterError(
      'cassandra',
      `cassandra keyspace(s) not found on ${target.site.server}: ${missing.join(', ')}`,
      {
        workload: target.site.workload,
      },
    );
  }
  return [...wanted];
}

/** The kind of a CREATE statement: `keyspace`, `type`, `table`, `index`, `view`, `function`, … */
export function statementKind(cql: string): string {
  const words = tokenize(cql)
    .filter((t) => t.kind === 'ident')
    .slice(0, 3)
    .map((t) => identName(t));
  if (words[1] === 'custom') return 'index';
  if (words[1] === 'materialized') return 'view';
  if (words[1] === 'or') return words[2] ?? '';
  return words[1] ?? '';
}

const BEFORE_ORDER = ['keyspace', 'type', 'function', 'aggregate', 'table'];

/** Order DESCRIBE's statements for replay: keyspace, types by dependency, functions, tables. Pure. */
export function orderStatements(
  rows: readonly { readonly type: string; readonly name: string; readonly cql: string }[],
): { before: string[]; after: string[] } {
  const kindOf = (r: { type: string; cql: string }): string =>
    r.type === 'materialized_view' ? 'view' : r.type === 'keyspace' ? 'keyspace' : statementKind(r.cql);
  const types = orderTypes(
    rows.filter((r) => kindOf(r) === 'type').map((r) => ({ name: parseIdent(r.name), cql: r.cql })),
  );
  const before: string[] = [];
  for (const kind of BEFORE_ORDER) {
    if (kind === 'type') before.push(...types.map((t) => t.cql));
    else before.push(...rows.filter((r) => kindOf(r) === kind).map((r) => r.cql));
  }
  const after = [
    ...rows.filter((r) => kindOf(r) === 'index').map((r) => r.cql),
    ...rows.filter((r) => kindOf(r) === 'view').map((r) => r.cql),
  ];
  return { before, after };
}

/** Read one keyspace's schema and table shapes. */
export async function readKeyspace(
  client: cassandra.Client,
  target: CassandraTarget,
  keyspace: string,
): Promise<KeyspaceSchema> {
  const described = await run(
    client,
    target,
    `describe keyspace ${keyspace}`,
    `DESCRIBE KEYSPACE ${quoteIdent(keyspace)}`,
  );
  const rows = described.rows.map((r) => ({
    type: String(r.get('type')),
    name: String(r.get('name')),
    cql: String(r.get('create_statement')).trim().replace(/;\s*$/, ''),
  }));
  const { before, after } = orderStatements(rows);
  const params = [keyspace];
  const typeRows = await run(
    client,
    target,
    `read types of ${keyspace}`,
    'SELECT type_name FROM system_schema.types WHERE keyspace_name = ?',
    params,
  );
  const udts = new Set(typeRows.rows.map((r) => String(r.get('type_name'))));
  const tableRows = await run(
    client,
    target,
    `read tables of ${keyspace}`,
    'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
    params,
  );
  const viewRows = await run(
    client,
    target,
    `read views of ${keyspace}`,
    'SELECT view_name FROM system_schema.views WHERE keyspace_name = ?',
    params,
  );
  const columnRows = await run(
    client,
    target,
    `read columns of ${keyspace}`,
    'SELECT table_name, column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ?',
    params,
  );
  const byTable = new Map<string, SchemaColumnRow[]>();
  for (const r of columnRows.rows) {
    const t = String(r.get('table_name'));
    byTable.set(t, [
      ...(byTable.get(t) ?? []),
      {
        column_name: String(r.get('column_name')),
        kind: String(r.get('kind')),
        position: Number(r.get('position')),
        type: String(r.get('type')),
      },
    ]);
  }
  const tables = tableRows.rows
    .map((r) => String(r.get('table_name')))
    .sort()
    .map((t) => tableSpec(keyspace, t, byTable.get(t) ?? [], udts));
  return {
    name: keyspace,
    before,
    after,
    tables,
    views: viewRows.rows.map((r) => String(r.get('view_name'))).sort(),
  };
}
