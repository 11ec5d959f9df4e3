/**
 * Corpus round trip against a real FerretDB: dump (2 streams) into a real local repository
 * → load into a renamed database → the capture's fingerprint equals the live one of the
 * copy (and of the source), every document is byte-equal by _id, indexes and the capped
 * collection's options are recreated. A non-empty target is refused unless forced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Document, MongoClient } from 'mongodb';
import { mongodbAdapter } from '../../../adapters/mongodb/index.ts';
import { CATALOG_ARTIFACT, parseCatalog } from '../../../adapters/mongodb/archive.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { useServer, type FerretdbServer, type SharedServer } from '../../../testcontainers/index.ts';
import type { ArtifactSource } from '../../../adapters/types.ts';
import { type AnyDoc, CORPUS_COLLECTIONS, ITEMS, LARGE_STRING_BYTES, seedCorpus } from './_corpus.ts';
import {
  clientFor,
  collectionSummary,
  documentsById,
  indexSummary,
  quietProgress,
  renameKeys,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

async function text(source: ArtifactSource, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of source.open(name)) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts).toString('utf8');
}

describe('mongodb adapter round trip (FerretDB)', () => {
  let server: SharedServer<FerretdbServer>;
  let client: MongoClient;
  let repo: TestRepository;
  const db = uniqueDb('corpus');
  const copy = `${db}_copy`;

  beforeAll(async () => {
    server = await useServer('ferretdb');
    client = await clientFor(server);
    await seedCorpus(client, db);
    repo = await testRepository();
  });
  afterAll(async () => {
    await client.db(db).dropDatabase();
    await client.db(copy).dropDatabase();
    await client.close();
    await repo.remove();
  });

  it('restores the corpus into a renamed database: fingerprint, documents, indexes and options equal', async () => {
    const signal = AbortSignal.timeout(120_000);
    let rows = 0;
    const progress = { ...quietProgress, rows: (n: number) => void (rows += n) };
    const { result, source } = await repo.capture('docs', (sink) =>
      mongodbAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 2,
        signal,
        progress,
      }),
    );
    expect(Object.keys(result.fingerprint).sort()).toEqual(
      CORPUS_COLLECTIONS.map((c) => `${db}.${c}`).sort(),
    );
    expect(result.fingerprint[`${db}.items`]?.rows).toBe(ITEMS);
    expect(result.fingerprint[`${db}.kinds`]?.rows).toBe(5);
    expect(result.fingerprint[`${db}.big`]?.rows).toBe(1);
    expect(rows).toBe(ITEMS + 5 + 1 + 20 + 1);
    // FerretDB has no replica set and no cluster time: the marker says so instead of inventing one.
    expect(result.markers.map((m) => m.kind)).toEqual(['none']);
    expect(result.markers[0]?.value).toMatch(/FerretDB .*no oplog/);
    expect(result.details.ferretdbVersion).toMatch(/^1\./);

    const catalog = parseCatalog(await text(source, CATALOG_ARTIFACT));
    expect(catalog.fingerprint).toEqual(result.fingerprint);
    const events = catalog.databases[0]?.collections.find((c) => c.name === 'events');
    expect(events?.options).toMatchObject({ capped: true, size: 1024 * 1024, max: 100 });
    const names = await source.list();
    expect(names.at(-1)).toBe(CATALOG_ARTIFACT);

    // The live source hashes to the same fingerprint: dump and fingerprint hash the same bytes.
    expect(await mongodbAdapter.fingerprint(workloadFor(server, [db]), { signal })).toEqual(
      result.fingerprint,
    );

    await mongodbAdapter.load(workloadFor(server), source, {
      rename: { [db]: copy },
      force: false,
      parallelism: 2,
      signal,
      progress: quietProgress,
    });

    const restored = await mongodbAdapter.fingerprint(workloadFor(server, [copy]), { signal });
    expect(restored).toEqual(renameKeys(result.fingerprint, db, copy));

    for (const c of CORPUS_COLLECTIONS) {
      const original = await documentsById(client, db, c);
      const again = await documentsById(client, copy, c);
      expect(again.size, c).toBe(original.size);
      expect(again, c).toEqual(original);
      expect(await indexSummary(client, copy, c), c).toEqual(await indexSummary(client, db, c));
    }
    expect(await indexSummary(client, copy, 'items')).toEqual([
      { name: '_id_', key: { _id: 1 }, unique: false },
      { name: 'cat_price', key: { cat: 1, price: -1 }, unique: false },
      { name: 'sku_unique', key: { sku: 1 }, unique: true },
      { name: 'sparse_field', key: { sparse: 1 }, unique: false },
    ]);
    expect(await collectionSummary(client, copy)).toEqual(await collectionSummary(client, db));
    const big = await client.db(copy).collection<{ _id: string; s: string }>('big').findOne({ _id: 'large' });
    expect(big?.s.length).toBe(LARGE_STRING_BYTES);

    // The unique index really was recreated: a duplicate sku is refused in the copy.
    await expect(
      client.db(copy).collection<AnyDoc>('items').insertOne({ _id: -1, sku: 'SKU-000001' }),
    ).rejects.toThrow(/duplicate key/);
  });

  it('refuses a non-empty target without force and replaces it with force', async () => {
    const signal = AbortSignal.timeout(120_000);
    const target = uniqueDb('target');
    try {
      const { result, source } = await repo.capture('docs2', (sink) =>
        mongodbAdapter.dump(workloadFor(server, [db]), sink, {
          strategy: 'logical',
          parallelism: 1,
          signal,
          progress: quietProgress,
        }),
      );
      await client.db(target).collection<AnyDoc>('items').insertOne({ _id: 'stale', keep: false });
      const options = {
        rename: { [db]: target },
        force: false,
        parallelism: 2,
        signal,
        progress: quietProgress,
      };
      const refused = await mongodbAdapter.load(workloadFor(server), source, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(AdapterError);
      expect((refused as AdapterError).message).toMatch(new RegExp(`not empty: ${target}\\.items.*--force`));
      // Nothing was written: the stale document is still the only one, no other collection appeared.
      expect(await client.db(target).collection('items').countDocuments()).toBe(1);
      expect((await client.db(target).listCollections().toArray()).map((c) => c.name)).toEqual(['items']);

      await mongodbAdapter.load(workloadFor(server), source, { ...options, force: true });
      expect(await mongodbAdapter.fingerprint(workloadFor(server, [target]), { signal })).toEqual(
        renameKeys(result.fingerprint, db, target),
      );
      expect(
        await client
          .db(target)
          .collection('items')
          .countDocuments({ _id: 'stale' } as Document),
      ).toBe(0);
    } finally {
      await client.db(target).dropDatabase();
    }
  });
});
