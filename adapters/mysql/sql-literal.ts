/**
 * The canonical encoding of MySQL values as SQL literals, byte for byte. The dump writes
 * rows in this form and the fingerprint hashes exactly these bytes, so a restored copy
 * fingerprints equal only if every value came back identical. Pure: no I/O.
 */

/** How a column's text-protocol bytes become a literal. */
export type ColumnKind = 'number' | 'binary' | 'text';

const NUMERIC = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'float',
  'double',
  'real',
  'year',
]);
const BINARY = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
]);

/**
 * Classify an `information_schema.COLUMNS.DATA_TYPE`. Numbers are written as the server
 * prints them (exact for DECIMAL); BIT, BLOBs, binary strings and geometry as hex, so no
 * byte is reinterpreted; everything else (strings, ENUM/SET, JSON, dates) as a quoted string.
 */
export function columnKind(dataType: string): ColumnKind {
  const t = dataType.toLowerCase();
  if (NUMERIC.has(t)) return 'number';
  if (BINARY.has(t)) return 'binary';
  return 'text';
}

/** A backquoted identifier (backquotes inside doubled). */
export function quoteIdent(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

const NULL = Buffer.from('NULL');
const QUOTE = 0x27;
const BACKSLASH = 0x5c;
const HEX_OPEN = Buffer.from("X'");
const HEX_CLOSE = Buffer.from("'");
const QUOTE_BUF = Buffer.from("'");

/** Bytes that must be escaped inside a quoted literal, mapped to the escape's second byte. */
const ESCAPES = new Map<number, number>([
  [0x00, 0x30], // \0
  [0x0a, 0x6e], // \n : keeps every statement on one line
  [0x0d, 0x72], // \r
  [0x1a, 0x5a], // \Z
  [BACKSLASH, BACKSLASH],
  [QUOTE, QUOTE],
]);

function needsEscape(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === QUOTE || b === BACKSLASH || b === 0x0a || b === 0x0d || b === 0x00 || b === 0x1a) return true;
  }
  return false;
}

/** Escape the bytes of a string value for a single-quoted literal (no raw newline survives). */
export function escapeBytes(bytes: Buffer): Buffer {
  if (!needsEscape(bytes)) return bytes;
  const out = Buffer.allocUnsafe(bytes.length * 2);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    const esc = ESCAPES.get(b);
    if (esc === undefined) {
      out[n++] = b;
    } else {
      out[n++] = BACKSLASH;
      out[n++] = esc;
    }
  }
  return out.subarray(0, n);
}

/** Append the literal for one value (`null` is SQL NULL) to `parts`. */
export function pushLiteral(parts: Buffer[], value: Buffer | null, kind: ColumnKind): void {
  if (value === null) {
    parts.push(NULL);
  } else if (kind === 'number') {
    parts.push(value);
  } else if (kind === 'binary') {
    parts.push(HEX_OPEN, Buffer.from(value.toString('hex')), HEX_CLOSE);
  } else {
    parts.push(QUOTE_BUF, escapeBytes(value), QUOTE_BUF);
  }
}

const OPEN = Buffer.from('(');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(')');

/** The canonical tuple `(v1,v2,…)` of one row: what the dump writes and the fingerprint hashes. */
export function encodeRow(values: readonly (Buffer | null)[], kinds: readonly ColumnKind[]): Buffer {
  const parts: Buffer[] = [OPEN];
  for (let i = 0; i < kinds.length; i++) {
    if (i > 0) parts.push(COMMA);
    pushLiteral(parts, values[i] ?? null, kinds[i] as ColumnKind);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}
