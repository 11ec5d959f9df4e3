/**
 * Writes during a dump: while writers insert, update and delete, the dump's fingerprint
 * must describe exactly the documents in the dump. Proved by restoring the dump into a
 * renamed database and fingerprinting the copy independently; it must equal the capture's
 * fingerprint (while the source, still being written, differs from it).
 */
import type { Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongodbAdapter } from '../../../adapters/mongodb/index.ts';
import { useServer, type FerretdbServer, type SharedServer } from '../../../testcontainers/index.ts';
import type { AnyDoc } from './_corpus.ts';
import {
  clientFor,
  quietProgress,
  renameKeys,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

const SEEDED = 3000;

describe('mongodb dump under concurrent writes (FerretDB)', () => {
  let server: SharedServer<FerretdbServer>;
  let client: MongoClient;
  let repo: TestRepository;
  const db = uniqueDb('busy');
  const copy = `${db}_copy`;

  beforeAll(async () => {
    server = await useServer('ferretdb');
    client = await clientFor(server);
    for (const c of ['a', 'b', 'c']) {
      await client
        .db(db)
        .collection<AnyDoc>(c)
        .insertMany(Array.from({ length: SEEDED }, (_, i) => ({ _id: i, v: i, pad: 'p'.repeat(200) })));
    }
    repo = await testRepository();
  });
  afterAll(async () => {
    await client.db(db).dropDatabase();
    await client.db(copy).dropDatabase();
    await client.close();
    await repo.remove();
  });

  it('the capture fingerprint equals the restored copy while writers kept changing the source', async () => {
    const signal = AbortSignal.timeout(120_000);
    let writing = true;
    let writes = 0;
    const writer = async (name: string, offset: number): Promise<void> => {
      const coll = client.db(db).collection<AnyDoc>(name);
      let i = 0;
      while (writing) {
        await coll.insertOne({ _id: offset + i, v: -i, pad: 'w'.repeat(100) });
        await coll.updateOne({ _id: i % SEEDED } as Document, { $inc: { v: 1 } });
        await coll.deleteOne({ _id: SEEDED - 1 - (i % SEEDED) } as Document);
        writes++;
        i++;
      }
    };
    const writers = [writer('a', 1_000_000), writer('b', 2_000_000), writer('c', 3_000_000)];
    // Let the writers get going before the dump starts.
    while (writes < 30) await new Promise((r) => setTimeout(r, 20));
    const writesBefore = writes;
    const { result, source } = await repo.capture('busy', (sink) =>
      mongodbAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 3,
        signal,
        progress: quietProgress,
      }),
    );
    const writesDuring = writes - writesBefore;
    writing = false;
    await Promise.all(writers);
    expect(writesDuring).toBeGreaterThan(0);

    const live = await mongodbAdapter.fingerprint(workloadFor(server, [db]), { signal });
    // The source moved on after the dump: the test could not pass by comparing two idle copies.
    expect(live).not.toEqual(result.fingerprint);

    await mongodbAdapter.load(workloadFor(server), source, {
      rename: { [db]: copy },
      force: false,
      parallelism: 2,
      signal,
      progress: quietProgress,
    });
    const restored = await mongodbAdapter.fingerprint(workloadFor(server, [copy]), { signal });
    expect(restored).toEqual(renameKeys(result.fingerprint, db, copy));
    for (const c of ['a', 'b', 'c']) {
      expect(await client.db(copy).collection(c).countDocuments()).toBe(
        result.fingerprint[`${db}.${c}`]?.rows,
      );
    }
  });
});
