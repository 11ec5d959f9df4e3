/**
 * Concurrent writers during a dump do not break consistency: transfers move units from
 * `acct_a` to `acct_b` and log each one in `ledger`, in one transaction. The three tables
 * are read by two streams at clearly different times (the sink holds each artifact back),
 * while the writers keep committing. Only if every stream reads the same snapshot do the
 * restored tables satisfy sum(a)+sum(b)=total and sum(b)-initial = rows in ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type { ArtifactSink } from '../../../adapters/types.ts';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { dump } from '../../../adapters/mysql/dump.ts';
import { CancelledError } from '../../../engine/errors.ts';
import { useServer, type MariadbServer, type SharedServer } from '../../../testcontainers/index.ts';
import {
  connectTo,
  quietProgress,
  renameKeys,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

const ROWS = 50;
const START = 1000;

/** A sink that waits before reading each data artifact, so streams read at different times. */
function slowSink(inner: ArtifactSink, delayMs: number): ArtifactSink {
  return {
    async put(name, data, meta) {
      if (name.startsWith('data/')) await new Promise((r) => setTimeout(r, delayMs));
      return inner.put(name, data, meta);
    },
  };
}

async function totals(conn: Connection, db: string): Promise<{ a: number; b: number; ledger: number }> {
  const [rows] = (await conn.query(
    `SELECT (SELECT SUM(bal) FROM \`${db}\`.acct_a) AS a, (SELECT SUM(bal) FROM \`${db}\`.acct_b) AS b,
            (SELECT COUNT(*) FROM \`${db}\`.ledger) AS ledger`,
  )) as unknown as [{ a: string; b: string; ledger: string }[]];
  const r = rows[0];
  return { a: Number(r?.a), b: Number(r?.b), ledger: Number(r?.ledger) };
}

describe('mysql dump under concurrent writes', () => {
  let server: SharedServer<MariadbServer>;
  let admin: Connection;
  let writers: Connection[];
  let repo: TestRepository;
  const db = uniqueDb('bank');
  const copy = `${db}_copy`;

  beforeAll(async () => {
    server = await useServer('mariadb');
    admin = await connectTo(server);
    writers = [await connectTo(server), await connectTo(server)];
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.acct_a (id INT PRIMARY KEY, bal INT NOT NULL) ENGINE=InnoDB`);
    await admin.query(`CREATE TABLE \`${db}\`.acct_b (id INT PRIMARY KEY, bal INT NOT NULL) ENGINE=InnoDB`);
    await admin.query(
      `CREATE TABLE \`${db}\`.ledger (id INT AUTO_INCREMENT PRIMARY KEY, a INT, b INT, KEY by_b (b)) ENGINE=InnoDB`,
    );
    const values = Array.from({ length: ROWS }, (_, i) => `(${String(i)}, ${String(START)})`).join(',');
    await admin.query(`INSERT INTO \`${db}\`.acct_a VALUES ${values}`);
    await admin.query(`INSERT INTO \`${db}\`.acct_b VALUES ${values}`);
    repo = await testRepository();
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.query(`DROP DATABASE IF EXISTS \`${copy}\``);
    for (const c of [admin, ...writers]) await c.end();
    await repo.remove();
  });

  it('captures one consistent cut across streams while transfers commit', async () => {
    let running = true;
    let transfers = 0;
    const loops = writers.map(async (w, n) => {
      let i = n;
      while (running) {
        const a = i % ROWS;
        const b = (i * 7) % ROWS;
        await w.query('START TRANSACTION');
        await w.query(`UPDATE \`${db}\`.acct_a SET bal = bal - 1 WHERE id = ?`, [a]);
        await w.query(`INSERT INTO \`${db}\`.ledger (a, b) VALUES (?, ?)`, [a, b]);
        await w.query(`UPDATE \`${db}\`.acct_b SET bal = bal + 1 WHERE id = ?`, [b]);
        await w.query('COMMIT');
        transfers++;
        i += 2;
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    const signal = AbortSignal.timeout(60_000);
    const before = transfers;
    const { result, source } = await repo.capture('bank', (sink) =>
      // splitBytes 1: every table is also split into key ranges, read at different times.
      dump(workloadFor(server, [db]), slowSink(sink, 150), {
        strategy: 'logical',
        parallelism: 2,
        signal,
        progress: quietProgress,
        splitBytes: 1,
      }),
    );
    const names = await source.list();
    expect(names.filter((n) => n.startsWith(`data/${db}/acct_a.`)).length).toBeGreaterThan(2);
    const during = transfers - before;
    running = false;
    await Promise.all(loops);
    // The writers really did commit while the streams were reading.
    expect(during).toBeGreaterThan(20);

    await mysqlAdapter.load(workloadFor(server), source, {
      rename: { [db]: copy },
      force: false,
      parallelism: 2,
      signal,
      progress: quietProgress,
    });
    const t = await totals(admin, copy);
    expect(t.a + t.b).toBe(2 * ROWS * START);
    expect(t.b - ROWS * START).toBe(t.ledger);
    expect(t.ledger).toBeGreaterThan(0);
    expect(result.fingerprint[`${db}.ledger`]?.rows).toBe(t.ledger);
    const live = await mysqlAdapter.fingerprint(workloadFor(server, [copy]), { signal });
    expect(live).toEqual(renameKeys(result.fingerprint, db, copy));
    // The held-back key was built once all parts of the ledger were in.
    const [keys] = (await admin.query(
      "SELECT INDEX_NAME AS k FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'ledger' ORDER BY 1",
      [copy],
    )) as unknown as [{ k: string }[]];
    expect(keys.map((k) => k.k).sort()).toEqual(['PRIMARY', 'by_b']);
  });

  it('dumps from a snapshot pinned earlier (cross-service cut), not from the live data', async () => {
    const signal = AbortSignal.timeout(60_000);
    const workload = workloadFor(server, [db]);
    const before = await totals(admin, db);
    const snapshot = await mysqlAdapter.pinSnapshot(workload, signal);
    try {
      await admin.query(`INSERT INTO \`${db}\`.ledger (a, b) VALUES (-1, -1), (-2, -2)`);
      const { result } = await repo.capture('pinned', (sink) =>
        mysqlAdapter.dump(workload, sink, {
          strategy: 'logical',
          parallelism: 2,
          signal,
          progress: quietProgress,
          snapshot,
        }),
      );
      expect(result.markers).toEqual(snapshot.markers);
      expect(result.fingerprint[`${db}.ledger`]?.rows).toBe(before.ledger);
    } finally {
      await snapshot.release();
      await snapshot.release();
    }
    expect((await totals(admin, db)).ledger).toBe(before.ledger + 2);
  });

  it('stops with a CancelledError when the signal aborts', async () => {
    const controller = new AbortController();
    const sink: ArtifactSink = {
      async put(name, data) {
        if (name.startsWith('data/')) controller.abort();
        for await (const _chunk of data as AsyncIterable<Uint8Array>) {
          // drain until the abort reaches the stream
        }
        return { bytes: 0 };
      },
    };
    await expect(
      mysqlAdapter.dump(workloadFor(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 2,
        signal: controller.signal,
        progress: quietProgress,
      }),
    ).rejects.toThrow(CancelledError);
  });
});
