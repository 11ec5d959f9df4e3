/**
 * Writes during the dump: writers keep inserting and overwriting rows (with explicit
 * write timestamps and TTLs) while the capture scans. Cassandra gives no global cut, so
 * the claim tested is the one the adapter makes: the restored copy equals the capture
 * (its fingerprint equals the fingerprint computed while dumping), row for row.
 */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassandraAdapter } from '../../../adapters/cassandra/index.ts';
import { useServer } from '../../../testcontainers/index.ts';
import {
  clientFor,
  quietProgress,
  renameKeys,
  testRepository,
  uniqueKeyspace,
  workloadFor,
  type CassandraAddress,
  type TestRepository,
} from './_helpers.ts';

describe('cassandra adapter under concurrent writes', () => {
  let server: CassandraAddress;
  let client: cassandra.Client;
  let repo: TestRepository;
  const source = uniqueKeyspace('lb_busy');
  const copy = uniqueKeyspace('lb_busy_copy');

  beforeAll(async () => {
    server = await useServer('cassandra');
    client = await clientFor(server);
    repo = await testRepository();
    await client.execute(
      `CREATE KEYSPACE ${source} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE ${source}.orders (shop int, id int, total bigint, tags set<text>, note text, PRIMARY KEY (shop, id))`,
    );
    const insert = `INSERT INTO ${source}.orders (shop, id, total, tags, note) VALUES (?, ?, ?, ?, ?)`;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 3000; i++) {
      pending.push(client.execute(insert, [i % 50, i, i * 7, [`t${i % 5}`], 'seed'], { prepare: true }));
      if (pending.length >= 64) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  }, 300_000);

  afterAll(async () => {
    for (const ks of [source, copy])
      await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
    await client.shutdown();
    await repo.remove();
  });

  it('restores exactly what it captured while writers were running', async () => {
    let writing = true;
    let writes = 0;
    const writer = async (n: number): Promise<void> => {
      let i = 0;
      while (writing) {
        const id = 3000 + n * 1_000_000 + i;
        await client.execute(
          `INSERT INTO ${source}.orders (shop, id, total, tags, note) VALUES (?, ?, ?, ?, ?) USING TTL 86400`,
          [i % 50, id, i, ['new'], `writer ${n}`],
          { prepare: true },
        );
        await client.execute(
          `UPDATE ${source}.orders SET total = total, note = ? WHERE shop = ? AND id = ?`.replace(
            'total = total, ',
            '',
          ),
          [`touched by ${n}`, i % 50, i % 3000],
          { prepare: true },
        );
        writes += 2;
        i++;
      }
    };
    const writers = [writer(1), writer(2)];
    await new Promise((r) => setTimeout(r, 300));
    const before = writes;
    const { result, source: artifacts } = await repo
      .capture('busy', (sink) =>
        cassandraAdapter.dump(workloadFor(server, [source]), sink, {
          strategy: 'logical',
          parallelism: 2,
          signal: AbortSignal.timeout(120_000),
          progress: quietProgress,
        }),
      )
      .finally(() => {
        writing = false;
      });
    await Promise.all(writers);
    expect(writes - before, 'writers ran during the dump').toBeGreaterThan(0);
    const rows = result.fingerprint[`${source}.orders`]?.rows ?? 0;
    expect(rows).toBeGreaterThanOrEqual(3000);

    await cassandraAdapter.load(workloadFor(server), artifacts, {
      rename: { [source]: copy },
      force: false,
      parallelism: 2,
      signal: AbortSignal.timeout(120_000),
      progress: quietProgress,
    });
    const restored = await cassandraAdapter.fingerprint(workloadFor(server), {
      databases: [copy],
      signal: AbortSignal.timeout(60_000),
    });
    expect(renameKeys(restored, copy, source)).toEqual(result.fingerprint);
    // And the live source has moved on since (the writers' rows after the capture).
    const live = await cassandraAdapter.fingerprint(workloadFor(server), {
      databases: [source],
      signal: AbortSignal.timeout(60_000),
    });
    expect(live[`${source}.orders`]?.rows).toBeGreaterThanOrEqual(rows);
  });
});
