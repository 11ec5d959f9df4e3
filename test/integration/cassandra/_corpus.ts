/**
 * The Cassandra test corpus: the awkward parts of CQL in one keyspace. UDTs (nested,
 * frozen and not), collections (frozen and not, with elements written at different
 * times), counters, TTLs, explicit write timestamps, static columns (and a static-only
 * partition), DESC clustering, blobs, varint/decimal, uuid/timeuuid, inet,
 * date/time/timestamp/duration, tuples, vectors, NaN/±Infinity, a key-only row,
 * secondary and SAI indexes, a composite partition key and a case-sensitive keyspace,
 * table and column names. No materialized view: they are disabled in Cassandra 5.0's
 * default configuration (`materialized_views_enabled: false`), which the test server keeps.
 */
import cassandra from 'cassandra-driver';

const Long = cassandra.types.Long;

/** Rows of the main table seeded (besides the special ones). */
export const ITEM_ROWS = 120;

const q = (n: string): string => `"${n.replaceAll('"', '""')}"`;

/** Create `keyspace` with the corpus schema and rows. */
export async function seedCorpus(client: cassandra.Client, keyspace: string): Promise<void> {
  const ks = q(keyspace);
  const ddl = [
    `CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    `CREATE TYPE ${ks}.address (street text, zip int)`,
    `CREATE TYPE ${ks}."Person" (name text, addr frozen<address>, tags set<text>)`,
    `CREATE TABLE ${ks}."Items" (
       id int, "Seq" timeuuid, owner text static, note text, data blob, big varint, price decimal,
       uid uuid, ip inet, day date, at time, ts timestamp, span duration,
       pair frozen<tuple<int, text, frozen<list<double>>>>, who frozen<"Person">, addr address,
       nums list<int>, words set<text>, scores map<int, text>, fnums frozen<list<bigint>>,
       fmap frozen<map<inet, blob>>, dbl double, flt float, tiny tinyint, small smallint,
       flag boolean, "asc" ascii, vec vector<float, 3>, "MixedCase" text,
       PRIMARY KEY (id, "Seq")
     ) WITH CLUSTERING ORDER BY ("Seq" DESC) AND comment = 'it''s "Items"; keep' AND gc_grace_seconds = 3600`,
    `CREATE TABLE ${ks}.counts (k text, n int, hits counter, misses counter, PRIMARY KEY (k, n)) WITH CLUSTERING ORDER BY (n DESC)`,
    `CREATE TABLE ${ks}.events (day date, kind text, at timestamp, payload text, PRIMARY KEY ((day, kind), at)) WITH default_time_to_live = 0`,
    `CREATE INDEX items_note ON ${ks}."Items" (note)`,
    `CREATE INDEX ON ${ks}."Items" (values(scores))`,
    `CREATE CUSTOM INDEX items_price_sai ON ${ks}."Items" (price) USING 'StorageAttachedIndex'`,
  ];
  for (const s of ddl) await client.execute(s);

  const insert = `INSERT INTO ${ks}."Items" (id, "Seq", owner, note, data, big, price, uid, ip, day, at, ts, span, pair, who, addr, nums, words, scores, fnums, fmap, dbl, flt, tiny, small, flag, "asc", vec, "MixedCase")
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`;
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308, 5e-324];
  for (let i = 0; i < ITEM_ROWS; i++) {
    const id = i % 17;
    const seq = cassandra.types.TimeUuid.fromDate(new Date(Date.UTC(2024, 0, 1, 0, 0, i)), i % 1000);
    await client.execute(
      insert,
      [
        id,
        seq,
        `owner-${id}`,
        i % 5 === 0 ? null : `note ${i} ✓ "q" 'a' \\ \n line`,
        Buffer.from([0, 1, 2, 255, i & 0xff]),
        cassandra.types.Integer.fromString(`${i % 2 ? '-' : ''}123456789012345678901234567890${i}`),
        cassandra.types.BigDecimal.fromString(`${i}.${'0'.repeat(i % 4)}1`),
        cassandra.types.Uuid.random(),
        cassandra.types.InetAddress.fromString(i % 2 ? '2001:db8::1' : `10.0.0.${i % 250}`),
        cassandra.types.LocalDate.fromString(`2024-02-${String((i % 28) + 1).padStart(2, '0')}`),
        cassandra.types.LocalTime.fromString('12:34:56.123456789'),
        new Date(Date.UTC(2023, 5, 1, 12, 0, 0, i)),
        cassandra.types.Duration.fromString(`1mo2d${3 + i}s${i}ns`),
        new cassandra.types.Tuple(i, `t${i}`, [1.5, -0.25, i]),
        { name: `P${i}`, addr: { street: `Main ${i}`, zip: 10_000 + i }, tags: [`a${i % 3}`, 'b'] },
        { street: `Side ${i}`, zip: i },
        [i, i + 1, -i],
        [`w${i % 4}`, 'z'],
        { [-i]: 'neg', [i]: 'pos', 0: 'zero' },
        [Long.fromString('9223372036854775807'), Long.fromNumber(-i)],
        { '127.0.0.1': Buffer.from('x'), '::1': Buffer.alloc(0) },
        specials[i % specials.length],
        i % 3 === 0 ? Number.NaN : 0.1 * i,
        i % 128,
        -i,
        i % 2 === 0,
        `ascii ${i}`,
        new cassandra.types.Vector(new Float32Array([1.5, i, -0.125]), 'float'),
        `Mixed ${i}`,
        Long.fromString(`${1_600_000_000_000_000 + i * 1000}`),
        i % 4 === 0 ? 86_400 + i : 0,
      ],
      { prepare: true },
    );
    if (i % 3 === 0) {
      // Later writes at other times: per-element write times in collections and UDT fields.
      await client.execute(
        `UPDATE ${ks}."Items" USING TIMESTAMP ? AND TTL ? SET nums = nums + ?, words = words + ?, scores = scores + ?, addr.zip = ?, note = ? WHERE id = ? AND "Seq" = ?`,
        [
          Long.fromString(`${1_700_000_000_000_000 + i}`),
          i % 2 ? 50_000 : 0,
          [99, 98],
          ['late'],
          { 1000: 'late' },
          7,
          `late ${i}`,
          id,
          seq,
        ],
        { prepare: true },
      );
    }
  }
  // A partition holding only static cells, a key-only row, and a row written at "now".
  await client.execute(
    `INSERT INTO ${ks}."Items" (id, owner) VALUES (1000, 'static only') USING TIMESTAMP 1234567`,
  );
  await client.execute(
    `INSERT INTO ${ks}."Items" (id, "Seq") VALUES (1001, 50554d6e-29bb-11e5-b345-feff819cdc9f)`,
  );
  await client.execute(
    `UPDATE ${ks}."Items" SET note = 'no explicit timestamp' WHERE id = 1002 AND "Seq" = now()`,
  );

  for (let i = 0; i < 30; i++) {
    await client.execute(
      `UPDATE ${ks}.counts SET hits = hits + ?, misses = misses + ? WHERE k = ? AND n = ?`,
      [Long.fromNumber(i * 1000 - 7), Long.fromNumber(i % 2 ? -1 : 3), `key-${i % 7}`, i],
      { prepare: true },
    );
  }
  await client.execute(`UPDATE ${ks}.counts SET hits = hits + 5 WHERE k = 'only-hits' AND n = 0`);

  for (let i = 0; i < 40; i++) {
    await client.execute(
      `INSERT INTO ${ks}.events (day, kind, at, payload) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`,
      [
        cassandra.types.LocalDate.fromString(`2024-03-0${(i % 3) + 1}`),
        i % 2 ? 'click' : 'view',
        new Date(Date.UTC(2024, 2, 1, 0, i)),
        'x'.repeat(i * 10),
        Long.fromNumber(1_650_000_000_000_000 + i),
      ],
      { prepare: true },
    );
  }
}
