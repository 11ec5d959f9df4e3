/**
 * Token-range scans with many small pages, two ranges interleaved into one file (as a
 * dump writes a split): every row once, each partition's rows in clustering order, its
 * static cells on its first row in the file only, and the same fingerprint as one
 * single-range scan of the whole table.
 */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyspace } from '../../../adapters/cassandra/catalog.ts';
import { resolveTarget } from '../../../adapters/cassandra/connect.ts';
import { loadHash } from '../../../adapters/cassandra/row-hash.ts';
import { firstPages, interleave, ScanStats, TableScan } from '../../../adapters/cassandra/scan.ts';
import { splitRing } from '../../../adapters/cassandra/token-splits.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { clientFor, uniqueKeyspace, workloadFor, type CassandraAddress } from './_helpers.ts';

const PARTITIONS = 12;
const ROWS = 7;

describe('cassandra token-range scan', () => {
  let server: CassandraAddress;
  let client: cassandra.Client;
  const ks = uniqueKeyspace('lb_scan');

  beforeAll(async () => {
    server = await useServer('cassandra');
    client = await clientFor(server);
    await client.execute(
      `CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${ks}.t (p int, c int, s text static, v text, PRIMARY KEY (p, c))`);
    for (let p = 0; p < PARTITIONS; p++) {
      await client.execute(
        `INSERT INTO ${ks}.t (p, s) VALUES (?, ?) USING TIMESTAMP ?`,
        [p, `static ${p}`, 1000 + p],
        {
          prepare: true,
        },
      );
      for (let c = 0; c < ROWS; c++) {
        await client.execute(`INSERT INTO ${ks}.t (p, c, v) VALUES (?, ?, ?)`, [p, c, `v ${p}/${c} é`], {
          prepare: true,
        });
      }
    }
  }, 180_000);

  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
    await client.shutdown();
  });

  it('reads two ranges in 3-row pages into one file: rows once, statics once, same fingerprint', async () => {
    const target = resolveTarget(workloadFor(server, [ks]));
    const spec = (await readKeyspace(client, target, ks)).tables[0];
    if (spec === undefined) throw new Error('table t not found');
    const hash = await loadHash();
    const signal = AbortSignal.timeout(60_000);

    const split = new ScanStats();
    const firsts = await firstPages(
      splitRing(2).map(
        (range) => new TableScan(client, target, spec, range, { signal, hash, stats: split, fetchSize: 3 }),
      ),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of interleave(firsts)) chunks.push(chunk);
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');

    const whole = new ScanStats();
    const one = new TableScan(client, target, spec, undefined, { signal, hash, stats: whole, lines: false });
    for (let page = await one.page(); page.pageState;) page = await one.page(page.pageState);

    expect(lines).toHaveLength(PARTITIONS * ROWS);
    expect(split.sum.result()).toEqual(whole.sum.result());
    expect(split.sum.rows).toBe(PARTITIONS * ROWS);
    const seen = new Map<number, number[]>();
    const statics = new Map<number, number>();
    for (const line of lines) {
      const [[p, c], cells] = JSON.parse(line) as [[number, number], unknown[][]];
      const rows = seen.get(p) ?? [];
      const hasStatic = cells.some((cell) => cell[1] === `static ${p}`);
      // The static cell rides on the partition's first row in the file, and only there.
      expect(hasStatic).toBe(rows.length === 0);
      if (hasStatic) statics.set(p, (statics.get(p) ?? 0) + 1);
      rows.push(c);
      seen.set(p, rows);
    }
    expect(seen.size).toBe(PARTITIONS);
    for (const rows of seen.values()) expect(rows).toEqual([...Array(ROWS).keys()]);
    expect([...statics.values()]).toEqual(Array<number>(PARTITIONS).fill(1));
  });
});
