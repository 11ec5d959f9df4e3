/**
 * Realistic MariaDB benchmark data: customers, orders and events with random prose,
 * numbers, dates, JSON and short binary ids, written by multi-row INSERTs from a seeded
 * generator. Prose is drawn from a vocabulary of made-up words so the dump compresses
 * about 3× under gzip (not the 50× of blank fillers).
 */
import type { Connection } from 'mysql2/promise';

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

const SYLLABLES = 'ka lo mi ne su ra to vi pe zu an el or ist um ba de fi go hu ja ke li mo nu'.split(' ');

function vocabulary(rng: Rng, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    let w = '';
    const n = 1 + rng.below(4);
    for (let i = 0; i < n; i++) w += SYLLABLES[rng.below(SYLLABLES.length)] ?? '';
    words.add(w);
  }
  return [...words];
}

export const BENCH_SCHEMA: readonly string[] = [
  `CREATE TABLE customers (
     id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL, country CHAR(2) NOT NULL,
     created_at DATETIME NOT NULL, balance DECIMAL(12,2) NOT NULL, profile JSON, bio TEXT,
     KEY (country)) ENGINE=InnoDB`,
  `CREATE TABLE orders (
     id BIGINT PRIMARY KEY, customer_id INT NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
     amount DECIMAL(10,2) NOT NULL, status ENUM('new','paid','shipped','cancelled') NOT NULL,
     items JSON, note VARCHAR(500), KEY (customer_id)) ENGINE=InnoDB`,
  `CREATE TABLE events (
     id BIGINT PRIMARY KEY, kind VARCHAR(32) NOT NULL, at DATETIME(3) NOT NULL, ref VARBINARY(16),
     payload JSON) ENGINE=InnoDB`,
];

class Gen {
  readonly rng: Rng;
  readonly words: string[];
  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.words = vocabulary(this.rng, 2000);
  }
  text(n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.words[this.rng.below(this.words.length)] ?? '');
    return out.join(' ');
  }
  date(): string {
    const d = new Date(1_600_000_000_000 + this.rng.below(150_000_000) * 1000);
    return d.toISOString().slice(0, 19).replace('T', ' ');
  }
  money(max: number): string {
    return (this.rng.below(max * 100) / 100).toFixed(2);
  }
}

function q(s: string): string {
  return "'" + s.replaceAll('\\', '\\\\').replaceAll("'", "\\'") + "'";
}

type RowMaker = (g: Gen, id: number) => string;

const ROWS: Readonly<Record<string, RowMaker>> = {
  customers: (g, id) => {
    const name = g.text(2);
    const profile = JSON.stringify({
      tier: ['free', 'pro', 'team'][g.rng.below(3)],
      score: g.rng.below(100000) / 100,
      tags: g.text(3).split(' '),
      address: { street: g.text(3), zip: String(10000 + g.rng.below(89999)) },
    });
    return `(${String(id)},${q(name)},${q(`${name.replaceAll(' ', '.')}@${g.text(1)}.example`)},${q(['DE', 'FR', 'US', 'JP', 'BR', 'IN'][g.rng.below(6)] ?? 'US')},'${g.date()}',${g.money(10000)},${q(profile)},${q(g.text(25 + g.rng.below(30)))})`;
  },
  orders: (g, id) => {
    const items = JSON.stringify(
      Array.from({ length: 1 + g.rng.below(3) }, () => ({
        sku: g.rng.below(1e6),
        qty: 1 + g.rng.below(5),
        name: g.text(2),
      })),
    );
    return `(${String(id)},${String(g.rng.below(200000))},'${g.date()}',${g.money(5000)},${q(['new', 'paid', 'shipped', 'cancelled'][g.rng.below(4)] ?? 'new')},${q(items)},${q(g.text(5 + g.rng.below(15)))})`;
  },
  events: (g, id) => {
    const payload = JSON.stringify({
      user: g.rng.below(1e6),
      action: g.text(1),
      detail: g.text(20 + g.rng.below(40)),
      n: g.rng.next(),
    });
    const ref = Buffer.alloc(16);
    for (let i = 0; i < 16; i += 4) ref.writeUInt32LE(g.rng.next(), i);
    return `(${String(id)},${q(g.text(1))},'${g.date()}.${String(g.rng.below(1000)).padStart(3, '0')}',X'${ref.toString('hex')}',${q(payload)})`;
  },
};

/** Share of the target bytes each table gets. */
const SHARES: Readonly<Record<string, number>> = { customers: 0.25, orders: 0.3, events: 0.45 };

/**
 * Create the tables in `db` (already selected on every connection) and fill them with
 * about `targetBytes` of INSERT text, using the connections in parallel (one table each).
 */
export async function generateBenchData(
  conns: readonly Connection[],
  targetBytes: number,
  log: (s: string) => void,
): Promise<void> {
  const first = conns[0];
  if (!first) throw new Error('no connection');
  for (const sql of BENCH_SCHEMA) await first.query(sql);
  const tables = Object.keys(ROWS);
  let nextTable = 0;
  await Promise.all(
    conns.map(async (conn, ci) => {
      for (let t = tables[nextTable++]; t !== undefined; t = tables[nextTable++]) {
        const make = ROWS[t] as RowMaker;
        const gen = new Gen(1234 + ci * 7 + t.length);
        const budget = targetBytes * (SHARES[t] ?? 0.3);
        let written = 0;
        let id = 1;
        while (written < budget) {
          const rows: string[] = [];
          let size = 0;
          while (size < 1 << 20) {
            const r = make(gen, id++);
            rows.push(r);
            size += r.length + 1;
          }
          await conn.query(`INSERT INTO ${t} VALUES ${rows.join(',')}`);
          written += size;
        }
        log(`generated ${t}: ${String(id - 1)} rows, ${(written / 2 ** 20).toFixed(0)} MiB of INSERT text`);
      }
    }),
  );
}
