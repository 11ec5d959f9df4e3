/**
 * Corpus round trip against a real MariaDB: dump (2 streams) → load into a renamed
 * database → the fingerprint taken at capture equals the live one of the copy, and an
 * independent content comparison (rows, AUTO_INCREMENT, routines, triggers, events,
 * views) is equal. Non-empty targets are refused unless forced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { AdapterError } from '../../../engine/errors.ts';
import type { ArtifactSource } from '../../../adapters/types.ts';
import { Readable } from 'node:stream';
import { useServer, type MariadbServer, type SharedServer } from '../../../testcontainers/index.ts';
import { contentSnapshot, seedCorpus } from './_corpus.ts';
import {
  connectTo,
  quietProgress,
  renameKeys,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

describe('mysql adapter round trip', () => {
  let server: SharedServer<MariadbServer>;
  let conn: Connection;
  let repo: TestRepository;
  const db = uniqueDb('corpus');
  const copy = `${db}_copy`;

  beforeAll(async () => {
    server = await useServer('mariadb');
    conn = await connectTo(server);
    await seedCorpus(conn, db);
    repo = await testRepository();
  });
  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.query(`DROP DATABASE IF EXISTS \`${copy}\``);
    await conn.end();
    await repo.remove();
  });

  it('restores the corpus into a renamed database with equal fingerprint and content', async () => {
    const signal = AbortSignal.timeout(60_000);
    const { result, source } = await repo.capture('shop', (sink) =>
      mysqlAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 2,
        signal,
        progress: quietProgress,
      }),
    );
    expect(result.markers.map((m) => m.kind).sort()).toEqual(['binlog', 'gtid']);
    expect(Object.keys(result.fingerprint).sort()).toEqual(
      ['ai_key', 'audit', 'child', 'empty_one', 'indexed', 'kinds', 'odd name/with`tick', 'parent'].map(
        (t) => `${db}.${t}`,
      ),
    );
    expect(result.fingerprint[`${db}.kinds`]?.rows).toBe(3);

    await mysqlAdapter.load(workloadFor(server), source, {
      rename: { [db]: copy },
      force: false,
      parallelism: 2,
      signal,
      progress: quietProgress,
    });

    const live = await mysqlAdapter.fingerprint(workloadFor(server, [copy]), { signal });
    expect(live).toEqual(renameKeys(result.fingerprint, db, copy));
    expect(await contentSnapshot(conn, copy)).toEqual(await contentSnapshot(conn, db));

    // The trigger came back and works (it was created after the data, so loading fired none).
    await conn.query(`INSERT INTO \`${copy}\`.child (parent_id, note) VALUES (1, 'after restore')`);
    const [audit] = (await conn.query(`SELECT what FROM \`${copy}\`.audit`)) as unknown as [
      { what: string }[],
    ];
    expect(audit.map((r) => r.what)).toEqual(['child 4']);
  });

  it('refuses a non-empty target without force and replaces it with force', async () => {
    const signal = AbortSignal.timeout(60_000);
    const { source } = await repo.capture('again', (sink) =>
      mysqlAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 1,
        signal,
        progress: quietProgress,
      }),
    );
    const options = { rename: { [db]: copy }, parallelism: 2, signal, progress: quietProgress };
    const refused = mysqlAdapter.load(workloadFor(server), source, { ...options, force: false });
    await expect(refused).rejects.toThrow(AdapterError);
    await expect(refused).rejects.toThrow(/not empty/);
    // Nothing was touched: the row added above is still there.
    const [before] = (await conn.query(`SELECT COUNT(*) AS n FROM \`${copy}\`.child`)) as unknown as [
      { n: number }[],
    ];
    expect(Number(before[0]?.n)).toBe(4);

    await mysqlAdapter.load(workloadFor(server), source, { ...options, force: true });
    expect(await contentSnapshot(conn, copy)).toEqual(await contentSnapshot(conn, db));
  });

  it('stops at the first failing statement and says where', async () => {
    const signal = AbortSignal.timeout(60_000);
    const { source } = await repo.capture('broken', (sink) =>
      mysqlAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 1,
        signal,
        progress: quietProgress,
      }),
    );
    const broken = `${db}_broken`;
    // The parent table's data file now holds a statement the server rejects.
    const bad: ArtifactSource = {
      list: () => source.list(),
      meta: (name) => source.meta(name),
      open: (name) =>
        name.endsWith('/parent.sql')
          ? Readable.from([Buffer.from("INSERT INTO `parent` VALUES (1, 'x', 'too many');\n")])
          : source.open(name),
    };
    try {
      const run = mysqlAdapter.load(workloadFor(server), bad, {
        rename: { [db]: broken },
        force: false,
        parallelism: 2,
        signal,
        progress: quietProgress,
      });
      await expect(run).rejects.toThrow(AdapterError);
      await expect(run).rejects.toThrow(/load table .*\.parent \(statement 1\).*Column count/);
      // Nothing after the data phase ran: no trigger, view or routine was created.
      const [objects] = (await conn.query(
        'SELECT (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?) + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) AS n',
        [broken, broken],
      )) as unknown as [{ n: number }[]];
      expect(Number(objects[0]?.n)).toBe(0);
    } finally {
      await conn.query(`DROP DATABASE IF EXISTS \`${broken}\``);
    }
  });
});
