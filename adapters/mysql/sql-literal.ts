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

const QUOTE = 0x27;
const BACKSLASH = 0x5c;

/** Escape byte → second byte of its backslash escape (0 = no escape needed). */
const ESCAPE = new Uint8Array(256);
ESCAPE[0x00] = 0x30; // \0
ESCAPE[0x0a] = 0x6e; // \n : keeps every statement on one line
ESCAPE[0x0d] = 0x72; // \r
ESCAPE[0x1a] = 0x5a; // \Z
ESCAPE[BACKSLASH] = BACKSLASH;
ESCAPE[QUOTE] = QUOTE;

/**
 * Writes canonical literals straight into one growing buffer (no per-value allocation):
 * the hot path of every dump and fingerprint.
 */
export class LiteralWriter {
  buf: Buffer;
  len = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    this.len += b.copy(this.buf, this.len);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Append one value's literal (`null` is SQL NULL). */
  literal(value: Buffer | null, kind: ColumnKind): void {
    if (value === null) {
      this.ensure(4);
      this.len += this.buf.write('NULL', this.len, 'latin1');
    } else if (kind === 'number') {
      this.bytes(value);
    } else if (kind === 'binary') {
      this.ensure(value.length * 2 + 3);
      this.buf[this.len++] = 0x58; // X
      this.buf[this.len++] = QUOTE;
      this.len += this.buf.write(value.toString('hex'), this.len, 'latin1');
      this.buf[this.len++] = QUOTE;
    } else {
      this.ensure(value.length * 2 + 2);
      const out = this.buf;
      let n = this.len;
      out[n++] = QUOTE;
      for (let i = 0; i < value.length; i++) {
        const b = value[i] as number;
        const esc = ESCAPE[b] as number;
        if (esc === 0) {
          out[n++] = b;
        } else {
          out[n++] = BACKSLASH;
          out[n++] = esc;
        }
      }
      out[n++] = QUOTE;
      this.len = n;
    }
  }

  /** Append the tuple `(v1,v2,…)`; returns where it starts. */
  row(values: readonly (Buffer | null)[], kinds: readonly ColumnKind[]): number {
    const start = this.len;
    this.byte(0x28);
    for (let i = 0; i < kinds.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.literal(values[i] ?? null, kinds[i] as ColumnKind);
    }
    this.byte(0x29);
    return start;
  }
}

/** Escape the bytes of a string value for a single-quoted literal (no raw newline survives). */
export function escapeBytes(bytes: Buffer): Buffer {
  const w = new LiteralWriter(bytes.length + 2);
  w.literal(bytes, 'text');
  return Buffer.from(w.buf.subarray(1, w.len - 1));
}

/** The canonical tuple `(v1,v2,…)` of one row: what the dump writes and the fingerprint hashes. */
export function encodeRow(values: readonly (Buffer | null)[], kinds: readonly ColumnKind[]): Buffer {
  const w = new LiteralWriter(256);
  w.row(values, kinds);
  return Buffer.from(w.buf.subarray(0, w.len));
}
