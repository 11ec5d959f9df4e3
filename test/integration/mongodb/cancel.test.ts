/**
 * A cancelled (killed) backup: the dump stops with CancelledError as soon as its signal
 * aborts, and the repository shows no backup (the manifest is never written).
 */
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongodbAdapter } from '../../../adapters/mongodb/index.ts';
import { CancelledError } from '../../../engine/errors.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { useServer, type FerretdbServer, type SharedServer } from '../../../testcontainers/index.ts';
import type { AnyDoc } from './_corpus.ts';
import {
  clientFor,
  quietProgress,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

describe('mongodb dump cancelled (FerretDB)', () => {
  let server: SharedServer<FerretdbServer>;
  let client: MongoClient;
  let repo: TestRepository;
  const db = uniqueDb('cancel');

  beforeAll(async () => {
    server = await useServer('ferretdb');
    client = await clientFor(server);
    for (const c of ['a', 'b']) {
      await client
        .db(db)
        .collection<AnyDoc>(c)
        .insertMany(Array.from({ length: 4000 }, (_, i) => ({ _id: i, pad: 'x'.repeat(500) })));
    }
    repo = await testRepository();
  });
  afterAll(async () => {
    await client.db(db).dropDatabase();
    await client.close();
    await repo.remove();
  });

  it('stops with CancelledError and leaves no backup in the repository', async () => {
    const controller = new AbortController();
    // Abort once the first chunk of documents has gone by (mid-collection).
    const progress = {
      ...quietProgress,
      bytes: () => {
        controller.abort();
      },
    };
    await expect(
      repo.capture('docs', (sink) =>
        mongodbAdapter.dump(workloadFor(server, [db]), sink, {
          strategy: 'logical',
          parallelism: 2,
          signal: controller.signal,
          progress,
        }),
      ),
    ).rejects.toThrow(CancelledError);
    const reopened = await Repository.open(new LocalStore(repo.dir));
    expect(await reopened.listIds()).toEqual([]);
  });
});
