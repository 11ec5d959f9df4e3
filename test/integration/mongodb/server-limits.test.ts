/**
 * What FerretDB cannot do, against the real server: the adapter must detect it and fail
 * clearly (freeze, pinSnapshot, replica strategy), probe must report it, and the test
 * corpus documents which BSON values the server itself refuses. Also: a wrong password
 * fails with a clear error that does not contain the password.
 */
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { mongodbAdapter } from '../../../adapters/mongodb/index.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { REJECTED_BY_FERRETDB } from './_corpus.ts';
import { quietProgress, testRepository, uniqueDb, workloadFor } from './_helpers.ts';

async function failure(p: Promise<unknown>): Promise<AdapterError> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(AdapterError);
  return outcome as AdapterError;
}

describe('mongodb adapter on FerretDB: detected limitations', () => {
  it('probe reports the version, a standalone role and the limitations', async () => {
    const server = await useServer('ferretdb');
    const result = await mongodbAdapter.probe(workloadFor(server), AbortSignal.timeout(30_000));
    expect(result.version).toMatch(/^FerretDB 1\.\d+\.\d+ \(MongoDB 7\.\d+\.\d+ wire\)$/);
    expect(result.role).toBe('standalone');
    expect(result.replicas).toEqual([]);
    expect(result.limitations.join('\n')).toMatch(/FerretDB .*no fsyncLock/);
    expect(result.limitations.join('\n')).toMatch(/not a replica set: no oplog/);
  });

  it('freeze fails clearly and is not retryable: the server has no fsyncLock', async () => {
    const server = await useServer('ferretdb');
    const error = await failure(
      mongodbAdapter.freeze(workloadFor(server), { deadlineMs: 5_000, signal: AbortSignal.timeout(30_000) }),
    );
    expect(error.message).toMatch(
      /freeze .*fsyncLock is not supported by this server .*no such command: 'fsync'/,
    );
    expect(error.retryable).toBe(false);
    expect(error.engine).toBe('mongodb');
  });

  it('pinSnapshot fails clearly and is not retryable: no sessions or snapshot reads', async () => {
    const server = await useServer('ferretdb');
    const error = await failure(mongodbAdapter.pinSnapshot(workloadFor(server), AbortSignal.timeout(30_000)));
    expect(error.message).toMatch(
      /pinSnapshot .*FerretDB 1\.\d+\.\d+ has no sessions or snapshot read concern/,
    );
    expect(error.retryable).toBe(false);
  });

  it('the replica strategy fails clearly before reading anything: no secondary', async () => {
    const server = await useServer('ferretdb');
    const repo = await testRepository();
    try {
      const db = uniqueDb('replica');
      const error = await failure(
        repo.capture('docs', (sink) =>
          mongodbAdapter.dump(workloadFor(server, [db]), sink, {
            strategy: 'replica',
            parallelism: 1,
            signal: AbortSignal.timeout(30_000),
            progress: quietProgress,
          }),
        ),
      );
      expect(error.message).toMatch(
        /replica strategy .*FerretDB .* has no replica set, so there is no secondary/,
      );
      expect(error.retryable).toBe(false);
    } finally {
      await repo.remove();
    }
  });

  it('a wrong password fails with a clear error that does not contain the password', async () => {
    const server = await useServer('ferretdb');
    const wrong = 'Wr0ng-Pa55word-xyz';
    const error = await failure(
      mongodbAdapter.probe(workloadFor(server, [], wrong), AbortSignal.timeout(30_000)),
    );
    expect(error.message).toMatch(
      /connect on 127\.0\.0\.1:\d+: .*Authentication failed.*check the user name and password/,
    );
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(server.password);
    expect(JSON.stringify(error.cause)).not.toContain(wrong);
    expect(error.retryable).toBe(false);
  });

  it('documents the BSON values FerretDB itself refuses (so the corpus leaves them out)', async () => {
    const server = await useServer('ferretdb');
    const db = uniqueDb('rejected');
    const refused: string[] = [];
    for (const [name, make] of Object.entries(REJECTED_BY_FERRETDB)) {
      // A fresh client each time: FerretDB drops the connection on some of these values.
      const client = new MongoClient(`mongodb://${server.host}:${server.port}/?authSource=admin`, {
        directConnection: true,
        auth: { username: server.user, password: server.password },
        serverSelectionTimeoutMS: 5_000,
      });
      try {
        const ok = await client
          .db(db)
          .collection('t')
          .insertOne(make())
          .then(
            () => true,
            () => false,
          );
        if (!ok) refused.push(name);
      } finally {
        await client.close();
      }
    }
    expect(refused).toEqual(Object.keys(REJECTED_BY_FERRETDB));
  });
});
