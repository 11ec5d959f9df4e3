/**
 * The canonical row encoding shared by dump, load and fingerprint: COPY text format
 * under fixed session settings, so the same rows give the same bytes on any server
 * whatever its configuration (time zone, date style, float digits, bytea format).
 */

/** Session settings applied on every data connection (dump, load, fingerprint). */
export const CANONICAL_SETTINGS_SQL = [
  "SET client_encoding = 'UTF8'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  "SET TimeZone = 'UTC'",
  'SET extra_float_digits = 3',
  "SET bytea_output = 'hex'",
  'SET standard_conforming_strings = on',
  "SET lc_monetary = 'C'",
  "SET lc_numeric = 'C'",
  // regclass/regtype output is qualified relative to the search path: make it absolute.
  "SET search_path = 'pg_catalog'",
].join('; ');

/** Always-quoted identifier: correct for mixed case, quotes and reserved words. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** Quoted SQL string literal (standard_conforming_strings on). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `COPY "s"."t" ("a", "b") TO STDOUT` (or FROM STDIN); no column list for zero columns. */
export function copyStatement(
  schema: string,
  table: string,
  columns: readonly string[],
  direction: 'to' | 'from',
): string {
  const cols = columns.length > 0 ? ` (${columns.map(quoteIdent).join(', ')})` : '';
  const io = direction === 'to' ? 'TO STDOUT' : 'FROM STDIN';
  return `COPY ${qualified(schema, table)}${cols} ${io}`;
}

/** Fingerprint key of a table: `db.schema.table` (raw names). */
export function fingerprintKey(database: string, schema: string, table: string): string {
  return `${database}.${schema}.${table}`;
}
