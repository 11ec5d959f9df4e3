/**
 * Realistic PostgreSQL benchmark data: customers, orders and events with prose from a
 * made-up vocabulary, numbers, timestamps and JSON documents, generated from a seeded
 * PRNG and loaded with COPY. The dump compresses about 3× under gzip (not the 50× of
 * pgbench's blank fillers).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** xorshift32: small, fast, deterministic. */
class Rng {
  #x: number;
  constructor(seed: number) {
    this.#x = seed >>> 0 || 0x2545f491;
  }
  next(): number {
    let x = this.#x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#x = x >>> 0;
    return this.#x;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

const SYLLABLES =
  'ka lo mi ne su ra to vi pe zu an el or ist um ba de fi go hu ja ke li mo nu tra spe qui'.split(' ');
const STATUSES = ['new', 'paid', 'packed', 'shipped', 'delivered', 'returned', 'cancelled'];
const KINDS = ['click', 'view', 'search', 'add_to_cart', 'checkout', 'login', 'logout', 'error'];

function vocabulary(rng: Rng, size: number): string[] {
  const words: string[] = [];
  for (let i = 0; i < size; i++) {
    let w = '';
    const n = 1 + rng.below(4);
    for (let j = 0; j < n; j++) w += SYLLABLES[rng.below(SYLLABLES.length)] ?? '';
    words.push(w);
  }
  return words;
}

function prose(rng: Rng, words: readonly string[], min: number, max: number): string {
  const n = min + rng.below(max - min + 1);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(words[rng.below(words.length)] as string);
  return out.join(' ');
}

function hex(rng: Rng, n: number): string {
  let s = '';
  while (s.length < n) s += rng.next().toString(16).padStart(8, '0');
  return s.slice(0, n);
}

function timestamp(rng: Rng): string {
  const ms = Date.UTC(2023, 0, 1) + rng.below(730 * 86_400) * 1000;
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00');
}

/** COPY text escaping for the characters our generator can produce. */
function esc(s: string): string {
  return s.replaceAll('\\', '\\\\');
}

export const SCHEMA_SQL = `
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, city text, created timestamptz NOT NULL, bio text, prefs jsonb);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, amount numeric(12,2) NOT NULL,
  quantity int NOT NULL, placed timestamptz NOT NULL, note text, lines jsonb);
CREATE TABLE events (id bigint PRIMARY KEY, customer_id bigint, kind text NOT NULL, at timestamptz NOT NULL, path text, payload jsonb, message text);
CREATE TABLE reviews (id bigint PRIMARY KEY, order_id bigint NOT NULL, stars smallint NOT NULL, title text, body text, created timestamptz NOT NULL);
`;

export const INDEX_SQL = `
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX events_at ON events (at);
`;

type RowFn = (rng: Rng, words: readonly string[], id: number) => string;

const ROWS: Readonly<Record<string, RowFn>> = {
  customers: (r, w, id) =>
    `${id}\t${esc(prose(r, w, 2, 3))}\tuser${id}@${w[r.below(200)]}.example\t${w[r.below(300)]}\t${timestamp(r)}\t${esc(prose(r, w, 10, 40))}\t` +
    `{"lang": "${w[r.below(20)]}", "newsletter": ${r.below(2) === 1}, "score": ${r.below(1000) / 10}}\n`,
  orders: (r, w, id) =>
    `${id}\t${1 + r.below(200_000)}\t${STATUSES[r.below(STATUSES.length)]}\t${r.below(10_000_000) / 100}\t${1 + r.below(20)}\t${timestamp(r)}\t` +
    `${esc(prose(r, w, 4, 20))}\t[{"sku": "${hex(r, 8)}", "qty": ${1 + r.below(5)}, "price": ${r.below(100_000) / 100}}, {"sku": "${hex(r, 8)}", "qty": ${1 + r.below(5)}, "gift": ${r.below(2) === 1}}]\n`,
  events: (r, w, id) =>
    `${id}\t${1 + r.below(200_000)}\t${KINDS[r.below(KINDS.length)]}\t${timestamp(r)}\t/${w[r.below(500)]}/${w[r.below(500)]}/${r.below(10_000)}\t` +
    `{"ua": "${w[r.below(50)]}/${r.below(100)}.0", "session": "${hex(r, 16)}", "ms": ${r.below(5000)}, "ok": ${r.below(10) > 0}}\t${esc(prose(r, w, 3, 15))}\n`,
  reviews: (r, w, id) =>
    `${id}\t${1 + r.below(1_000_000)}\t${1 + r.below(5)}\t${esc(prose(r, w, 2, 6))}\t${esc(prose(r, w, 20, 80))}\t${timestamp(r)}\n`,
};

/** Approximate share of the bytes per table. */
const SHARES: Readonly<Record<string, number>> = { customers: 0.1, orders: 0.35, events: 0.35, reviews: 0.2 };

function* rows(table: string, bytes: number, seed: number): Generator<Buffer> {
  const rng = new Rng(seed);
  const words = vocabulary(new Rng(7), 3000);
  const fn = ROWS[table] as RowFn;
  let written = 0;
  let id = 0;
  while (written < bytes) {
    let block = '';
    for (let i = 0; i < 500; i++) block += fn(rng, words, ++id);
    const buf = Buffer.from(block);
    written += buf.length;
    yield buf;
  }
}

/** Create the schema and load about `bytes` of COPY text, then the indexes. */
export async function generate(client: pg.Client, bytes: number, seed: number): Promise<void> {
  await client.query(SCHEMA_SQL);
  for (const [i, [table, share]] of Object.entries(SHARES).entries()) {
    await pipeline(
      Readable.from(rows(table, bytes * share, seed + i)),
      client.query(copyFrom(`COPY ${table} FROM STDIN`)),
    );
  }
  await client.query(INDEX_SQL);
  await client.query('VACUUM ANALYZE');
}

/** A sample of the generated COPY text (for the compressibility report). */
export function sample(bytes: number, seed: number): Buffer {
  const parts: Buffer[] = [];
  for (const table of Object.keys(SHARES)) {
    for (const b of rows(table, bytes / 4, seed)) parts.push(b);
  }
  return Buffer.concat(parts);
}
