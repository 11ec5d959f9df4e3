/**
 * The MongoDB test corpus: the awkward BSON types FerretDB accepts (see `REJECTED_BY_FERRETDB`
 * for the ones it refuses), a document near the 16 MiB limit, unicode keys and values,
 * unique/compound/sparse indexes and a capped collection.
 */
import {
  Binary,
  BSONRegExp,
  Code,
  Decimal128,
  MaxKey,
  MinKey,
  Double,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
  type MongoClient,
} from 'mongodb';

/** Size of the large document's string: 16 MiB (the BSON limit) minus 4 KiB of headroom. */
export const LARGE_STRING_BYTES = 16 * 1024 * 1024 - 4096;

/** Collection names of the corpus (sorted), including one with non-ASCII characters and a space. */
export const CORPUS_COLLECTIONS = ['big', 'events', 'items', 'kinds', 'заказы 2024'] as const;

/** Number of documents in `items` (several insert batches and chunks). */
export const ITEMS = 2500;

function kinds(): AnyDoc[] {
  const base = new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789));
  return [
    {
      _id: new ObjectId('65f0a1b2c3d4e5f601234567'),
      long: Long.fromString('9223372036854775807'),
      longNeg: Long.fromString('-9223372036854775808'),
      int: new Int32(-2147483648),
      double: new Double(1.5),
      negZero: new Double(-0),
      tiny: new Double(5e-324),
      date: base,
      epochBefore: new Date(-62135596800000),
      generic: new Binary(Buffer.from([0, 1, 2, 255]), 0),
      uuid: new UUID('0b5f7f12-3c4d-4e5f-8a9b-0c1d2e3f4a5b'),
      md5: new Binary(Buffer.from('0123456789abcdef0123456789abcdef', 'hex'), 5),
      userDefined: new Binary(Buffer.from('custom'), 128),
      regex: new BSONRegExp('^ab+c$', 'imx'),
      ts: new Timestamp({ t: 1_700_000_000, i: 7 }),
      nul: null,
      yes: true,
      nested: { level1: { level2: { level3: [1, 'two', { three: 3 }, new Date(0)] } } },
      arrayOfDocs: [{ a: 1 }, { a: [1, 2, 3] }, {}],
      emptyDoc: {},
      emptyArray: [],
      'ключ 🔑': 'значение ✓ 値 🎉',
      '': 'empty key',
      withNul: 'a\u0000b',
    },
    { _id: 'string id', v: 'ÅÄÖ ﷽ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢' },
    { _id: new Int32(42), v: new Double(3.141592653589793) },
    { _id: { compound: 'key', n: new Int32(1) }, v: 'document as _id' },
    { _id: Long.fromNumber(7), clé: { ümlaut: ['é', 'ß', '中文'] } },
  ];
}

function item(i: number): AnyDoc {
  return {
    _id: i,
    sku: `SKU-${String(i).padStart(6, '0')}`,
    cat: `cat-${i % 17}`,
    price: new Double(((i * 37) % 1000) / 7),
    qty: new Int32(i % 50),
    tags: ['a', `t${i % 5}`],
    ...(i % 3 === 0 ? { sparse: i } : {}),
    at: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
  };
}

/** Seed the corpus into `db` (which must not exist yet). */
/** Documents whose `_id` may be of any type. */
export type AnyDoc = { _id: unknown } & Document;

export async function seedCorpus(client: MongoClient, db: string): Promise<void> {
  const d = client.db(db);
  await d.collection<AnyDoc>('kinds').insertMany(kinds());
  await d.collection<AnyDoc>('items').insertMany(Array.from({ length: ITEMS }, (_, i) => item(i)));
  await d.collection<AnyDoc>('items').createIndexes([
    { key: { sku: 1 }, name: 'sku_unique', unique: true },
    { key: { cat: 1, price: -1 }, name: 'cat_price' },
    { key: { sparse: 1 }, name: 'sparse_field', sparse: true },
  ]);
  await d.collection<AnyDoc>('big').insertOne({ _id: 'large', s: 'x'.repeat(LARGE_STRING_BYTES) });
  await d.createCollection('events', { capped: true, size: 1024 * 1024, max: 100 });
  await d
    .collection<AnyDoc>('events')
    .insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, e: `event ${i}` })));
  await d.collection<AnyDoc>('заказы 2024').insertMany([{ _id: 1, клиент: 'Иван', сумма: new Double(10.5) }]);
}

/**
 * Values FerretDB 1.24 refuses (each a separate insert, on its own connection: some make
 * FerretDB drop the connection instead of replying). The test asserts each is refused.
 */
export const REJECTED_BY_FERRETDB: Readonly<Record<string, () => Document>> = {
  decimal128: () => ({ v: Decimal128.fromString('1.5') }),
  nan: () => ({ v: Number.NaN }),
  minKey: () => ({ v: new MinKey() }),
  maxKey: () => ({ v: new MaxKey() }),
  javascript: () => ({ v: new Code('x = 1') }),
  nestedArray: () => ({ v: [[1, 2]] }),
  positiveInfinity: () => ({ v: Number.POSITIVE_INFINITY }),
  negativeInfinity: () => ({ v: Number.NEGATIVE_INFINITY }),
  dottedKey: () => ({ 'a.b': 1 }),
};
