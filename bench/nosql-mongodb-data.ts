/**
 * Realistic documents for the MongoDB benchmark: orders with customers, addresses, line
 * items, free text from a word list (gzip ratio ~3×, not blank fillers), numbers, dates
 * and ObjectIds. Deterministic per seed. Only types FerretDB accepts (no Decimal128).
 */
import { Double, Int32, ObjectId, type Document } from 'mongodb';

const WORDS = (
  'order ship customer invoice payment refund parcel warehouse delivery address street city river ' +
  'mountain blue green red yellow quick slow happy angry table chair window door garden kitchen ' +
  'coffee tea bread butter cheese apple orange banana lemon cherry grape melon carrot potato onion ' +
  'pepper salt sugar flour honey milk water juice wine beer cloud storm rain snow wind sun moon star ' +
  'planet ocean island forest desert valley bridge tower castle village market school library museum'
).split(' ');

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(r: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)] as string);
  return out.join(' ');
}

/** One order document, roughly 1 KiB of BSON. */
export function order(r: () => number, i: number): Document {
  const items = 1 + Math.floor(r() * 5);
  return {
    _id: new ObjectId(),
    number: new Int32(i),
    customer: {
      name: `${words(r, 2)} ${Math.floor(r() * 1e6)}`,
      email: `user${Math.floor(r() * 1e7)}@example.org`,
      address: {
        street: words(r, 3),
        city: words(r, 1),
        zip: String(Math.floor(r() * 99999)).padStart(5, '0'),
      },
    },
    items: Array.from({ length: items }, () => ({
      sku: `SKU-${Math.floor(r() * 1e6)}`,
      qty: new Int32(1 + Math.floor(r() * 9)),
      price: new Double(Math.round(r() * 100000) / 100),
      note: words(r, 4),
    })),
    comment: words(r, 20 + Math.floor(r() * 60)),
    total: new Double(Math.round(r() * 1e7) / 100),
    createdAt: new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 3e10)),
    tags: [words(r, 1), words(r, 1)],
    status: ['new', 'paid', 'shipped', 'done'][Math.floor(r() * 4)],
  };
}
