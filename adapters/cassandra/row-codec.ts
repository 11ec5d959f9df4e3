/**
 * The dump's row encoding (pure; FORMAT.md is its specification). One scan selects, per
 * column, its value as JSON text (`toJson`, or the native number for double/float) and,
 * for non-key non-counter columns, `WRITETIME` and `TTL`. From those values this module
 * builds the stored line and the canonical bytes every fingerprint hashes.
 */
import { quoteIdent } from './cql-text.ts';
import { keyCount, qualifiedName, type ColumnSpec, type TableSpec } from './table-spec.ts';

/** A 64-bit integer as the driver returns it (cassandra-driver `Long`). */
export interface LongLike {
  toString(): string;
}

/**
 * Decimal text of a 64-bit integer. A driver `Long` inside ±2^53 (every write time
 * before the year 2255) is converted with double arithmetic, exactly and ~10× faster than
 * `Long.toString` (which divides in 64-bit software arithmetic); anything else by its own
 * `toString`.
 */
export function longText(raw: LongLike): string {
  const { high, low } = raw as { high?: unknown; low?: unknown };
  if (typeof high === 'number' && typeof low === 'number' && high >= -0x200000 && high < 0x200000) {
    // The cells of one row (one INSERT) mostly share their write time: reuse the text.
    if (high !== lastHigh || low !== lastLow) {
      lastHigh = high;
      lastLow = low;
      lastText = String(high * 4294967296 + (low >>> 0));
    }
    return lastText;
  }
  return raw.toString();
}

let lastHigh = 0;
let lastLow = 0;
let lastText = '0';

/**
 * The largest write time offered (decimal texts of signed 64-bit integers), compared as
 * doubles first and exactly only on a tie of the doubles (equal or beyond ±2^53).
 */
export class LatestWritetime {
  private num = -Infinity;
  private text: string | undefined;

  offer(text: string): void {
    if (text === this.text) return;
    const n = Number(text);
    if (
      n > this.num ||
      (n === this.num && this.text !== undefined && text !== this.text && BigInt(text) > BigInt(this.text))
    ) {
      this.num = n;
      this.text = text;
    }
  }

  /** The largest write time offered, or undefined when none was. */
  get value(): bigint | undefined {
    return this.text === undefined ? undefined : BigInt(this.text);
  }
}

/**
 * Types read as native driver values and encoded here (the same JSON text `fromJson`
 * reads), sparing the server a `toJson` per cell. Everything else goes through `toJson`.
 */
type NativeKind = 'float' | 'text' | 'int' | 'long' | 'bool' | 'blob' | 'uuid' | 'timestamp' | 'inet';

const NATIVE: Readonly<Record<string, NativeKind>> = {
  double: 'float',
  float: 'float',
  text: 'text',
  varchar: 'text',
  ascii: 'text',
  int: 'int',
  smallint: 'int',
  tinyint: 'int',
  bigint: 'long',
  counter: 'long',
  boolean: 'bool',
  blob: 'blob',
  uuid: 'uuid',
  timeuuid: 'uuid',
  timestamp: 'timestamp',
  inet: 'inet',
};

function nativeKind(col: ColumnSpec): NativeKind | undefined {
  return NATIVE[col.type.trim()];
}

function valueExpr(col: ColumnSpec): string {
  return nativeKind(col) === undefined ? `toJson(${quoteIdent(col.name)})` : quoteIdent(col.name);
}

/** The selection list of a scan of `spec`, in the order `encodeRow` expects its values. */
export function selectList(spec: TableSpec): string {
  const parts: string[] = [];
  spec.columns.forEach((col, i) => {
    parts.push(valueExpr(col));
    if (i >= keyCount(spec) && col.cell !== 'counter') {
      parts.push(`writetime(${quoteIdent(col.name)})`);
      if (col.ttl) parts.push(`ttl(${quoteIdent(col.name)})`);
    }
  });
  return parts.join(', ');
}

/** The partition key columns as a `token(...)` argument list. */
export function tokenExpr(spec: TableSpec): string {
  return `token(${spec.columns
    .slice(0, spec.partitionKeys)
    .map((c) => quoteIdent(c.name))
    .join(', ')})`;
}

/** The scan of one token range: `(start, end]`. */
export function rangeQuery(spec: TableSpec): string {
  const token = tokenExpr(spec);
  return `SELECT ${selectList(spec)} FROM ${qualifiedName(spec)} WHERE ${token} > ? AND ${token} <= ?`;
}

/** The scan of a whole table (non-Murmur3 partitioners). */
export function fullQuery(spec: TableSpec): string {
  return `SELECT ${selectList(spec)} FROM ${qualifiedName(spec)}`;
}

/** A double/float as JSON text that `fromJson` reads back to the same value. */
export function floatJson(value: number): string {
  if (Number.isNaN(value)) return '"NaN"';
  if (value === Infinity) return '"Infinity"';
  if (value === -Infinity) return '"-Infinity"';
  if (Object.is(value, -0)) return '-0.0';
  return String(value);
}

/** JSON text of a natively read value; timestamps as epoch milliseconds (`fromJson` takes them). */
export function nativeJson(kind: NativeKind, raw: unknown): string {
  switch (kind) {
    case 'float':
      return floatJson(raw as number);
    case 'text':
      return JSON.stringify(raw);
    case 'int':
      return String(raw);
    case 'bool':
      return raw === true ? 'true' : 'false';
    case 'blob':
      return `"0x${(raw as Buffer).toString('hex')}"`;
    case 'timestamp':
      return String((raw as Date).getTime());
    case 'long':
      return longText(raw as LongLike);
    case 'uuid':
    case 'inet':
      return `"${(raw as LongLike).toString()}"`;
  }
}

/** Each column's native kind, computed once per table (not per cell). */
const kindCache = new WeakMap<TableSpec, readonly (NativeKind | undefined)[]>();

function kindsOf(spec: TableSpec): readonly (NativeKind | undefined)[] {
  let kinds = kindCache.get(spec);
  if (kinds === undefined) {
    kinds = spec.columns.map(nativeKind);
    kindCache.set(spec, kinds);
  }
  return kinds;
}

function json(kind: NativeKind | undefined, raw: unknown): string {
  if (raw === null || raw === undefined) return 'null';
  return kind === undefined ? (raw as string) : nativeJson(kind, raw);
}

function timeText(raw: unknown): string {
  if (raw === null || raw === undefined) return 'null';
  return longText(raw);
}

function listText(raw: unknown, one: (x: unknown) => string): string {
  if (raw === null || raw === undefined) return 'null';
  return `[${(raw as readonly unknown[]).map(one).join(',')}]`;
}

const ttlText = (raw: unknown): string => (typeof raw === 'number' ? String(raw) : '0');

/** One encoded row. */
export interface EncodedRow {
  /** The stored line (without newline); static cells are left out when `skipStatics`. */
  readonly line: string;
  /** The canonical encoding hashed by fingerprints: keys, every value and its write time. */
  readonly canonical: string;
  /** The partition key values joined, to notice a partition's later rows. */
  readonly partition: string;
}

/**
 * Encode one scanned row (`values` in `selectList` order). When the row belongs to
 * `previousPartition` (the partition of the row before it in the same scan) its static
 * cells are not stored: that earlier row carried them. The canonical encoding always has
 * them, as a live scan returns them on every row. The write time of every non-null
 * single cell is offered to `latest`.
 */
export function encodeRow(
  spec: TableSpec,
  values: readonly unknown[],
  previousPartition: string | undefined,
  latest?: LatestWritetime,
): EncodedRow {
  const kinds = kindsOf(spec);
  const nk = keyCount(spec);
  let keyLine = '';
  let canonical = '';
  let partition = '';
  for (let i = 0; i < nk; i++) {
    const key = json(kinds[i], values[i]);
    if (i > 0) {
      keyLine += ',';
      canonical += '\u001f';
    }
    keyLine += key;
    canonical += key;
    if (i === spec.partitionKeys - 1) partition = canonical;
  }
  canonical += '\u001e';
  const skipStatics = partition === previousPartition;
  let cells = '';
  let v = nk;
  for (let i = nk; i < spec.columns.length; i++) {
    const col = spec.columns[i] as ColumnSpec;
    const value = json(kinds[i], values[v++]);
    const sep = cells === '' ? '' : ',';
    if (col.cell === 'counter') {
      canonical += value + '\u001e';
      if (value !== 'null') cells += `${sep}[${i},${value}]`;
      continue;
    }
    const wtRaw = values[v++];
    const ttlRaw = col.ttl ? values[v++] : undefined;
    if (col.cell === 'multi') {
      const wts = listText(wtRaw, timeText);
      canonical += `${value}\u001f${wts}\u001e`;
      if (value !== 'null' && !(skipStatics && col.kind === 'static')) {
        cells += `${sep}[${i},${value},${wts},${col.ttl ? listText(ttlRaw, ttlText) : 'null'}]`;
      }
      continue;
    }
    const wt = timeText(wtRaw);
    canonical += `${value}\u001f${wt}\u001e`;
    if (value === 'null') continue;
    if (wt !== 'null') latest?.offer(wt);
    if (!(skipStatics && col.kind === 'static')) cells += `${sep}[${i},${value},${wt},${ttlText(ttlRaw)}]`;
  }
  return { line: `[[${keyLine}],[${cells}]]`, canonical, partition };
}
