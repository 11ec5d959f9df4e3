/**
 * The shape of one table as the dump and load see it (pure): key columns first in key
 * order, then static and regular columns by name, each with how its cells are stored.
 */
import { parseIdent, quoteIdent } from './cql-text.ts';

export type ColumnKind = 'partition_key' | 'clustering' | 'static' | 'regular';

/**
 * `single`: one cell with one write time and TTL; `multi`: a non-frozen collection or
 * UDT, one cell per element/field (Cassandra 5 returns a list of write times and TTLs);
 * `counter`: no write time or TTL can be read or written.
 */
export type CellKind = 'single' | 'multi' | 'counter';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  /** CQL type as `system_schema.columns` prints it, e.g. `frozen<map<int, text>>`. */
  readonly type: string;
  readonly cell: CellKind;
  /**
   * `double`/`float` columns are read as native values, not through `toJson`, which
   * turns NaN and ±Infinity into `null` (see FORMAT.md).
   */
  readonly float: boolean;
  /**
   * Whether `TTL()` is read. Not for counters, and not for non-frozen lists and sets:
   * Cassandra 5.0.6 returns corrupt bytes for `ttl()` of those (the driver fails to
   * decode them, and `toJson(ttl(c))` throws a NullPointerException on the server), so
   * their elements are restored without a TTL (README: known gaps).
   */
  readonly ttl: boolean;
}

export interface TableSpec {
  readonly keyspace: string;
  readonly name: string;
  /** Partition key columns, clustering columns, then the rest by name. */
  readonly columns: readonly ColumnSpec[];
  readonly partitionKeys: number;
  readonly clusteringKeys: number;
  readonly counter: boolean;
}

/** A row of `system_schema.columns`. */
export interface SchemaColumnRow {
  readonly column_name: string;
  readonly kind: string;
  readonly position: number;
  readonly type: string;
}

/** How cells of a column of `type` are stored; `udts` are the keyspace's type names. */
export function cellKind(type: string, udts: ReadonlySet<string>): CellKind {
  const t = type.trim();
  if (t === 'counter') return 'counter';
  if (/^(list|set|map)\s*</i.test(t)) return 'multi';
  if (!t.includes('<') && udts.has(parseIdent(t))) return 'multi';
  return 'single';
}

/** Build a table's spec from its `system_schema.columns` rows. Pure. */
export function tableSpec(
  keyspace: string,
  name: string,
  rows: readonly SchemaColumnRow[],
  udts: ReadonlySet<string>,
): TableSpec {
  const rank: Record<string, number> = { partition_key: 0, clustering: 1, static: 2, regular: 3 };
  const sorted = [...rows].sort(
    (a, b) =>
      (rank[a.kind] ?? 4) - (rank[b.kind] ?? 4) ||
      (a.kind === 'partition_key' || a.kind === 'clustering' ? a.position - b.position : 0) ||
      (a.column_name < b.column_name ? -1 : a.column_name > b.column_name ? 1 : 0),
  );
  const columns = sorted.map((r): ColumnSpec => ({
    name: r.column_name,
    kind: r.kind as ColumnKind,
    type: r.type,
    cell: cellKind(r.type, udts),
    float: r.type === 'double' || r.type === 'float',
    ttl: cellKind(r.type, udts) !== 'counter' && !/^(list|set)\s*</i.test(r.type.trim()),
  }));
  return {
    keyspace,
    name,
    columns,
    partitionKeys: columns.filter((c) => c.kind === 'partition_key').length,
    clusteringKeys: columns.filter((c) => c.kind === 'clustering').length,
    counter: columns.some((c) => c.cell === 'counter'),
  };
}

/** `"ks"."table"`. */
export function qualifiedName(spec: { readonly keyspace: string; readonly name: string }): string {
  return `${quoteIdent(spec.keyspace)}.${quoteIdent(spec.name)}`;
}

/** Number of key columns (partition + clustering). */
export function keyCount(spec: TableSpec): number {
  return spec.partitionKeys + spec.clusteringKeys;
}
