import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';
import { ferretdbRoundTrip } from '../../../testcontainers/round-trips.ts';

describe('shared FerretDB (MongoDB wire protocol)', () => {
  it('inserts a document and finds it again', async () => {
    const server = await useServer('ferretdb');
    expect(server.version).toMatch(/^1\.\d+\.\d+$/);
    await ferretdbRoundTrip(server);
  });

  it('refuses a wrong password', async () => {
    const server = await useServer('ferretdb');
    const client = new MongoClient(server.url.replace(`:${server.password}@`, ':wrong@'), {
      serverSelectionTimeoutMS: 3_000,
    });
    try {
      await expect(client.db('x').collection('y').findOne({})).rejects.toThrow(/Authentication failed/);
    } finally {
      await client.close();
    }
  });
});
