/**
 * Splitting a large table into primary-key ranges so several snapshot connections can
 * read (and later load) it in parallel, as mydumper does. Only tables whose primary key
 * starts with an integer column are split; the first range has no lower bound and the
 * last no upper bound, so every row lands in exactly one part whatever the key values.
 * Pure.
 */
import { quoteIdent } from './sql-literal.ts';

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** True when `dataType` (information_schema) is an integer type. */
export function isIntegerType(dataType: string): boolean {
  return INTEGER_TYPES.has(dataType.toLowerCase());
}

/**
 * `WHERE` conditions of up to `parts` ranges over `column` between `min` and `max`
 * (inclusive, as the server printed them), or `[undefined]` when not worth splitting.
 */
export function rangeConditions(
  column: string,
  min: string,
  max: string,
  parts: number,
): (string | undefined)[] {
  const lo = BigInt(min);
  const hi = BigInt(max);
  const span = hi - lo + 1n;
  const n = BigInt(Math.max(1, Math.floor(parts)));
  if (n < 2n || span < n) return [undefined];
  const step = span / n;
  const col = quoteIdent(column);
  const bounds: bigint[] = [];
  for (let i = 1n; i < n; i++) bounds.push(lo + step * i);
  const out: string[] = [];
  for (let i = 0; i <= bounds.length; i++) {
    const from = bounds[i - 1];
    const to = bounds[i];
    const conds: string[] = [];
    if (from !== undefined) conds.push(`${col} >= ${from.toString()}`);
    if (to !== undefined) conds.push(`${col} < ${to.toString()}`);
    out.push(conds.join(' AND '));
  }
  return out;
}
