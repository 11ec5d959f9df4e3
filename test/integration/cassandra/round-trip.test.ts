/**
 * Round trip of the corpus: dump → load into a renamed keyspace → fingerprints equal and
 * every row equal, including each cell's write time; TTLs come back positive and no
 * larger than at capture; schema, options and indexes equal. A non-empty target is
 * refused without force.
 */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassandraAdapter } from '../../../adapters/cassandra/index.ts';
import type { ArtifactSource, CaptureResult } from '../../../adapters/types.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { ITEM_ROWS, seedCorpus } from './_corpus.ts';
import {
  clientFor,
  describedSchema,
  quietProgress,
  renameKeys,
  tableState,
  testRepository,
  uniqueKeyspace,
  workloadFor,
  type CassandraAddress,
  type CellState,
  type TestRepository,
} from './_helpers.ts';

const TABLES = ['Items', 'counts', 'events'];

type State = Map<string, Record<string, CellState>>;

/** `now` with each cell's TTL taken from `then` (TTLs count down between two reads). */
function withoutTtl(then: State, now: State): State {
  return new Map(
    [...now].map(([key, cells]) => [
      key,
      Object.fromEntries(
        Object.entries(cells).map(([col, cell]) => [
          col,
          { ...cell, ttl: then.get(key)?.[col]?.ttl ?? cell.ttl },
        ]),
      ),
    ]),
  );
}

describe('cassandra adapter round trip', () => {
  let server: CassandraAddress;
  let client: cassandra.Client;
  let repo: TestRepository;
  const source = uniqueKeyspace('Lb_Src');
  const copy = uniqueKeyspace('lb_copy');
  let capture: CaptureResult;
  let artifacts: ArtifactSource;
  /** The source tables as they were before the dump (TTLs only shrink after it). */
  const before = new Map<string, Awaited<ReturnType<typeof tableState>>>();

  beforeAll(async () => {
    server = await useServer('cassandra');
    client = await clientFor(server);
    repo = await testRepository();
    await seedCorpus(client, source);
    for (const t of TABLES) before.set(t, await tableState(client, source, t));
    const { result, source: src } = await repo.capture('events-db', (sink) =>
      cassandraAdapter.dump(workloadFor(server, [source]), sink, {
        strategy: 'logical',
        parallelism: 2,
        signal: AbortSignal.timeout(120_000),
        progress: quietProgress,
      }),
    );
    capture = result;
    artifacts = src;
    await cassandraAdapter.load(workloadFor(server), artifacts, {
      rename: { [source]: copy },
      force: false,
      parallelism: 2,
      signal: AbortSignal.timeout(120_000),
      progress: quietProgress,
    });
  }, 300_000);

  afterAll(async () => {
    for (const ks of [source, copy])
      await client.execute(`DROP KEYSPACE IF EXISTS "${ks}"`).catch(() => undefined);
    await client.shutdown();
    await repo.remove();
  });

  it('fingerprints every table while dumping, and the restored copy matches', async () => {
    expect(Object.keys(capture.fingerprint).sort()).toEqual(TABLES.map((t) => `${source}.${t}`).sort());
    expect(capture.fingerprint[`${source}.Items`]?.rows).toBe(ITEM_ROWS + 3);
    expect(capture.fingerprint[`${source}.counts`]?.rows).toBe(31);
    expect(capture.fingerprint[`${source}.events`]?.rows).toBe(40);
    const live = await cassandraAdapter.fingerprint(workloadFor(server), {
      databases: [source],
      signal: AbortSignal.timeout(60_000),
    });
    expect(live).toEqual(capture.fingerprint);
    const restored = await cassandraAdapter.fingerprint(workloadFor(server), {
      databases: [copy],
      signal: AbortSignal.timeout(60_000),
    });
    expect(renameKeys(restored, copy, source)).toEqual(capture.fingerprint);
    expect(capture.markers.length).toBeGreaterThan(0);
    expect(capture.markers[0]?.kind).toBe('writetime');
    expect(capture.details.consistency).toMatch(/per-node, no global cut/);
  });

  it('restores every row with the same values and write times, and TTLs no larger', async () => {
    for (const table of TABLES) {
      const original: State = before.get(table) ?? new Map<string, Record<string, CellState>>();
      const now = await tableState(client, source, table);
      expect(withoutTtl(original, now), 'source unchanged by the dump').toEqual(original);
      const after = await tableState(client, copy, table);
      expect([...after.keys()].sort(), table).toEqual([...original.keys()].sort());
      let ttlCells = 0;
      let multiTimes = 0;
      for (const [key, cells] of original) {
        const got = after.get(key) ?? {};
        for (const [col, cell] of Object.entries(cells)) {
          const restored = got[col];
          expect(restored?.value, `${table} ${key} ${col}`).toBe(cell.value);
          expect(restored?.writetime, `${table} ${key} ${col} writetime`).toBe(cell.writetime);
          if (cell.writetime.includes(',') && new Set(cell.writetime.split(',')).size > 1) multiTimes++;
          if (cell.ttl === 'unreadable' || cell.ttl === '') continue;
          const ttls = cell.ttl.split(',');
          const restoredTtls = (restored?.ttl ?? '').split(',');
          ttls.forEach((t, i) => {
            const r = restoredTtls[i] ?? 'missing';
            if (t === 'null') expect(r, `${table} ${key} ${col} ttl`).toBe('null');
            else {
              ttlCells++;
              expect(Number(r), `${table} ${key} ${col} ttl`).toBeGreaterThan(0);
              expect(Number(r), `${table} ${key} ${col} ttl`).toBeLessThanOrEqual(Number(t));
            }
          });
        }
      }
      if (table === 'Items') {
        expect(ttlCells).toBeGreaterThan(100);
        expect(multiTimes).toBeGreaterThan(10);
      }
    }
  });

  it('keeps NaN, ±Infinity and -0 in double/float columns', async () => {
    const rs = await client.execute(`SELECT dbl, flt FROM "${copy}"."Items" WHERE id = 0`);
    const dbls = rs.rows.map((r) => r.get('dbl') as number | null);
    expect(dbls.some((d) => d !== null && Number.isNaN(d))).toBe(true);
    const all = await client.execute(`SELECT dbl FROM "${copy}"."Items"`);
    const values = all.rows.map((r) => r.get('dbl') as number | null);
    expect(values).toContain(Number.POSITIVE_INFINITY);
    expect(values).toContain(Number.NEGATIVE_INFINITY);
    expect(values.some((v) => Object.is(v, -0))).toBe(true);
  });

  it('recreates types, tables with their options and clustering order, and indexes', async () => {
    expect(await describedSchema(client, copy)).toEqual(await describedSchema(client, source));
    const idx = await client.execute(
      'SELECT index_name FROM system_schema.indexes WHERE keyspace_name = ?',
      [copy],
      { prepare: true },
    );
    expect(idx.rows.map((r) => String(r.get('index_name'))).sort()).toEqual([
      'Items_scores_idx',
      'items_note',
      'items_price_sai',
    ]);
  });

  it('refuses a non-empty target without force, and writes over it with force', async () => {
    const options = {
      rename: { [source]: copy },
      parallelism: 1,
      signal: AbortSignal.timeout(120_000),
      progress: quietProgress,
    };
    const refused = await cassandraAdapter
      .load(workloadFor(server), artifacts, { ...options, force: false })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AdapterError);
    expect((refused as AdapterError).message).toMatch(/not empty: .*Items/);
    await cassandraAdapter.load(workloadFor(server), artifacts, { ...options, force: true });
    const again = await cassandraAdapter.fingerprint(workloadFor(server), {
      databases: [copy],
      signal: AbortSignal.timeout(60_000),
    });
    // Plain cells are written idempotently; counters add up and non-frozen list elements
    // are appended again when loaded twice (Cassandra semantics, see README).
    expect(again[`${copy}.events`]).toEqual(capture.fingerprint[`${source}.events`]);
    expect(again[`${copy}.Items`]?.rows).toBe(capture.fingerprint[`${source}.Items`]?.rows);
    expect(again[`${copy}.counts`]).not.toEqual(capture.fingerprint[`${source}.counts`]);
  });
});
