/**
 * Consistency under concurrent writes: a writer moves money between accounts and logs
 * every transfer in a ledger while the adapter dumps with two streams. The restored copy
 * must satisfy the invariants (constant total, one ledger row per transfer) and match
 * the capture fingerprint: every table was read from the one pinned snapshot.
 * Also: a snapshot pinned before writes is what a later dump sees; fences block writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { useServer } from '../../../testcontainers/index.ts';
import { postgresAdapter, startBackupMode } from '../../../adapters/postgres/index.ts';
import { AdapterError, CancelledError } from '../../../engine/errors.ts';
import type { ArtifactSink } from '../../../adapters/types.ts';
import {
  createDatabase,
  noProgress,
  renameKeys,
  removeTempDirs,
  tempArtifacts,
  uniqueName,
  withClient,
  workloadOf,
  type PgServerInfo,
} from './helpers.ts';

const signal = new AbortController().signal;
const ACCOUNTS = 50;
const START_BALANCE = 1000;

const SETUP_SQL = `
CREATE TABLE accounts_a (id int PRIMARY KEY, balance bigint NOT NULL, ops int NOT NULL DEFAULT 0);
CREATE TABLE accounts_b (id int PRIMARY KEY, balance bigint NOT NULL, ops int NOT NULL DEFAULT 0);
INSERT INTO accounts_a SELECT g, ${START_BALANCE}, 0 FROM generate_series(1, ${ACCOUNTS}) g;
INSERT INTO accounts_b SELECT g, ${START_BALANCE}, 0 FROM generate_series(1, ${ACCOUNTS}) g;
CREATE TABLE ledger (id bigserial PRIMARY KEY, from_id int, to_id int, amount int, note text);
INSERT INTO ledger (from_id, to_id, amount, note) SELECT 0, 0, 0, repeat(md5(g::text), 4) FROM generate_series(1, 60000) g;
ANALYZE;
`;

/**
 * Transfers in a loop on its own connection until stopped; counts commits. */
function startWriter(
  server: PgServerInfo,
  database: string,
): { commits: () => number; stop: () => Promise<void> } {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });
  const state = { running: true };
  let commits = 0;
  const loop = (async () => {
    await client.connect();
    let i = 0;
    while (isRunning(state)) {
      i++;
      const from = 1 + (i % ACCOUNTS);
      const to = 1 + ((i * 7) % ACCOUNTS);
      await client.query('BEGIN');
      // Money moves from table a to table b (or back) and is logged in a third table: with
      // three dump streams each table is read by another connection, so only a shared
      // snapshot keeps the three consistent.
      const [src, dst] = i % 2 === 0 ? ['accounts_a', 'accounts_b'] : ['accounts_b', 'accounts_a'];
      await client.query(`UPDATE ${src} SET balance = balance - 3, ops = ops + 1 WHERE id = $1`, [from]);
      await client.query("INSERT INTO ledger (from_id, to_id, amount, note) VALUES ($1, $2, 3, 'transfer')", [
        from,
        to,
      ]);
      await client.query(`UPDATE ${dst} SET balance = balance + 3 WHERE id = $1`, [to]);
      await client.query('COMMIT');
      commits++;
    }
    await client.end();
  })();
  return {
    commits: () => commits,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

/** Read through a function: the flag changes across awaits. */
function isRunning(state: { readonly running: boolean }): boolean {
  return state.running;
}

async function invariants(
  server: PgServerInfo,
  database: string,
): Promise<{ total: number; ops: number; ledger: number }> {
  return withClient(server, database, async (c) => {
    const r = await c.query<{ total: string; ops: string; ledger: string }>(
      `SELECT ((SELECT sum(balance) FROM accounts_a) + (SELECT sum(balance) FROM accounts_b))::text AS total,
              ((SELECT sum(ops) FROM accounts_a) + (SELECT sum(ops) FROM accounts_b))::text AS ops,
              (SELECT count(*) FROM ledger WHERE amount > 0)::text AS ledger`,
    );
    const row = r.rows[0];
    return { total: Number(row?.total), ops: Number(row?.ops), ledger: Number(row?.ledger) };
  });
}

describe('postgres adapter consistency', () => {
  afterAll(removeTempDirs);
  let server: PgServerInfo;
  const db = uniqueName('bank');

  beforeAll(async () => {
    server = await useServer('postgres');
    await createDatabase(server, db);
    await withClient(server, db, (c) => c.query(SETUP_SQL));
  });

  it('a dump under concurrent writes restores to a consistent state equal to its fingerprint', async () => {
    const writer = startWriter(server, db);
    try {
      // Let the writer get going, and preload the ledger so its copy takes a while.
      while (writer.commits() < 200) await new Promise((r) => setTimeout(r, 10));
      const before = writer.commits();
      const artifacts = await tempArtifacts();
      const capture = await postgresAdapter.dump(workloadOf(server, [db]), artifacts, {
        strategy: 'logical',
        parallelism: 3,
        signal,
        progress: noProgress,
      });
      const during = writer.commits() - before;
      await writer.stop();
      expect(during).toBeGreaterThan(0);

      const restored = `${db}_restored`;
      await postgresAdapter.load(workloadOf(server, []), artifacts, {
        rename: { [db]: restored },
        force: false,
        parallelism: 2,
        signal,
        progress: noProgress,
      });
      const inv = await invariants(server, restored);
      expect(inv.total).toBe(2 * ACCOUNTS * START_BALANCE);
      expect(inv.ledger).toBe(inv.ops);
      expect(inv.ledger).toBeGreaterThan(0);
      const after = await postgresAdapter.fingerprint(workloadOf(server, [restored]), {
        databases: [restored],
        signal,
      });
      expect(after).toEqual(renameKeys(capture.fingerprint, db, restored));
      // The source moved on after the snapshot: the live state differs from the capture.
      const live = await invariants(server, db);
      expect(live.ledger).toBeGreaterThan(inv.ledger);
    } finally {
      await writer.stop();
    }
  });

  it('a dump from a snapshot pinned earlier sees the data as of the pin', async () => {
    const workload = workloadOf(server, [db]);
    const pin = await postgresAdapter.pinSnapshot(workload, signal);
    try {
      const atPin = await withClient(server, db, async (c) => ({
        ledgerAll: Number(
          (await c.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger')).rows[0]?.n,
        ),
      }));
      await withClient(server, db, (c) =>
        c.query("INSERT INTO ledger (from_id, to_id, amount, note) VALUES (1, 2, 0, 'after pin')"),
      );
      const capture = await postgresAdapter.dump(workload, await tempArtifacts(), {
        strategy: 'logical',
        parallelism: 2,
        signal,
        progress: noProgress,
        snapshot: pin,
      });
      expect(capture.fingerprint[`${db}.public.ledger`]?.rows).toBe(atPin.ledgerAll);
      expect(capture.markers).toEqual(pin.markers);
    } finally {
      await pin.release();
    }
    await pin.release(); // idempotent
  });

  it('a fence blocks writers until released and fails fast behind a long transaction', async () => {
    const workload = workloadOf(server, [db]);
    const fence = await postgresAdapter.freeze(workload, { deadlineMs: 2_000, signal });
    const t0 = performance.now();
    const blocked = await withClient(server, db, async (c) => {
      await c.query('SET statement_timeout = 300');
      return c.query('UPDATE accounts_a SET ops = ops WHERE id = 1').then(
        () => false,
        (e: unknown) => (e as { code?: string }).code === '57014',
      );
    });
    expect(blocked).toBe(true);
    // Reads and snapshot pins go on while fenced.
    const pin = await postgresAdapter.pinSnapshot(workload, signal);
    await pin.release();
    await fence.release();
    await fence.release();
    await withClient(server, db, (c) => c.query('UPDATE accounts_a SET ops = ops WHERE id = 1'));
    expect(performance.now() - t0).toBeLessThan(5_000);

    // A transaction holding a write lock: the fence gives up at its deadline, retryably.
    await withClient(server, db, async (holder) => {
      await holder.query('BEGIN');
      await holder.query('UPDATE accounts_a SET ops = ops WHERE id = 2');
      const start = performance.now();
      const error = await postgresAdapter.freeze(workload, { deadlineMs: 300, signal }).then(
        async (f) => {
          await f.release();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AdapterError);
      expect((error as AdapterError).retryable).toBe(true);
      expect(performance.now() - start).toBeLessThan(3_000);
      await holder.query('ROLLBACK');
    });
  });

  it('a cancelled dump throws CancelledError and leaves no session behind', async () => {
    const controller = new AbortController();
    const sink: ArtifactSink = {
      async put(name, data) {
        if (name.includes('/data/')) controller.abort();
        let bytes = 0;
        for await (const chunk of data as AsyncIterable<Uint8Array>) bytes += chunk.length;
        return { bytes };
      },
    };
    const error = await postgresAdapter
      .dump(workloadOf(server, [db]), sink, {
        strategy: 'logical',
        parallelism: 2,
        signal: controller.signal,
        progress: noProgress,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(CancelledError);
    // Every connection of the dump (pin, workers, pg_dump) is gone shortly after.
    let left = -1;
    for (let i = 0; i < 50 && left !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await withClient(server, 'postgres', async (c) => {
        const r = await c.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'lifeboat%' OR (datname = $1 AND application_name = 'pg_dump')",
          [db],
        );
        return Number(r.rows[0]?.n);
      });
    }
    expect(left).toBe(0);
  });

  it('backup mode returns the backup label to store with a volume snapshot', async () => {
    const session = await startBackupMode(workloadOf(server, [db]), {
      label: 'lifeboat-test',
      deadlineMs: 30_000,
    });
    const result = await session.stop();
    expect(result.labelFile).toMatch(/START WAL LOCATION/);
    expect(result.labelFile).toMatch(/LABEL: lifeboat-test/);
    expect(result.stopLsn).toMatch(/\//);
    expect(await session.stop()).toBe(result);
  });
});
