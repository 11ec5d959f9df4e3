import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';
import { cassandraRoundTrip } from '../../../testcontainers/round-trips.ts';

describe('shared Cassandra', () => {
  it('writes a row and reads it back', async () => {
    const server = await useServer('cassandra');
    expect(server.version).toMatch(/^5\.0\.\d+$/);
    await cassandraRoundTrip(server);
  });

  it('refuses the default password (it was changed at start)', async () => {
    const server = await useServer('cassandra');
    const client = new cassandra.Client({
      contactPoints: [`${server.host}:${server.port}`],
      localDataCenter: server.localDataCenter,
      credentials: { username: 'cassandra', password: 'cassandra' },
    });
    try {
      await expect(client.connect()).rejects.toThrow(/password|credentials|Authentication/i);
    } finally {
      await client.shutdown();
    }
  });
});
