/**
 * A real recovery conflict on a private streaming standby (hot_standby_feedback = off,
 * max_standby_streaming_delay = 100ms): while a replica-strategy dump streams a table
 * into a deliberately slow sink, the primary deletes rows and vacuums them away. Replay
 * of that cleanup must cancel the dump's snapshot. Proofs: the standby's
 * pg_stat_database_conflicts counter rises (so the test fails if no conflict happened),
 * the dump fails with a RecoveryConflictError naming the standby and the fix, not
 * retryable as a phase, and no catalog (the artifact that makes a capture loadable) is
 * written. A control dump with hot_standby_feedback = on succeeds under the same load.
 * Through the engine (runBackup, a repository whose chunk writes wait until the conflict
 * was counted, so the dump is surely mid-stream) the backup fails
 * with the same clear message, is not retried, and leaves no backup in the repository.
 */
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startPostgres,
  startPostgresStandby,
  type PostgresServer,
  type PostgresStandbyServer,
} from '../../../testcontainers/index.ts';
import {
  CATALOG_ARTIFACT,
  RecoveryConflictError,
  postgresAdapter,
} from '../../../adapters/postgres/index.ts';
import type { ArtifactSink } from '../../../adapters/types.ts';
import { LocalStore, Repository, type ObjectStore } from '../../../engine/repository/index.ts';
import { loadEngineSetup, runBackup } from '../../../engine/runs/index.ts';
import type { RunEvent } from '../../../engine/executor/events.ts';
import { DirArtifacts } from './dir-artifacts.ts';
import {
  caughtUp,
  createDatabase,
  noProgress,
  removeTempDirs,
  tempDir,
  uniqueName,
  withClient,
  workloadOf,
  type PgServerInfo,
} from './helpers.ts';

const signal = new AbortController().signal;
const ROWS = 200_000;

/** The standby's snapshot-conflict count for `db` (a fresh session: no cached stats). */
async function snapshotConflicts(standby: PgServerInfo, db: string): Promise<number> {
  return withClient(standby, 'postgres', async (c) => {
    const r = await c.query<{ n: string }>(
      'SELECT confl_snapshot::text AS n FROM pg_stat_database_conflicts WHERE datname = $1',
      [db],
    );
    return Number(r.rows[0]?.n ?? 0);
  });
}

/** Apply standby settings through ALTER SYSTEM + reload, and wait until they are in effect. */
async function configureStandby(standby: PgServerInfo, feedback: 'on' | 'off'): Promise<void> {
  await withClient(standby, 'postgres', async (c) => {
    await c.query(`ALTER SYSTEM SET hot_standby_feedback = ${feedback}`);
    await c.query(`ALTER SYSTEM SET max_standby_streaming_delay = '100ms'`);
    // Feedback (when on) reaches the primary within a second, not the default 10 s.
    await c.query(`ALTER SYSTEM SET wal_receiver_status_interval = '1s'`);
    await c.query('SELECT pg_reload_conf()');
  });
  for (let i = 0; i < 100; i++) {
    const ok = await withClient(standby, 'postgres', async (c) => {
      const r = await c.query<{ f: string; d: string }>(
        "SELECT current_setting('hot_standby_feedback') AS f, current_setting('max_standby_streaming_delay') AS d",
      );
      const row = r.rows[0];
      return row !== undefined && row.f === feedback && row.d === '100ms';
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`standby settings (hot_standby_feedback = ${feedback}) did not take effect`);
}

/** Table data is read at this rate, so the COPY stays open on the standby for seconds. */
const BYTES_PER_SECOND = 1_500_000;

/** A directory sink that reads table data slowly and resolves `started` once it flows. */
function slowSink(dir: string): { sink: ArtifactSink; started: Promise<void> } {
  const files = new DirArtifacts(dir);
  let resolveStarted = (): void => {};
  const started = new Promise<void>((r) => (resolveStarted = r));
  const sink: ArtifactSink = {
    put(name, data, meta = {}) {
      if (meta.kind !== 'table') return files.put(name, data, meta);
      const source = data instanceof Readable ? data : Readable.from(data);
      async function* throttled(): AsyncGenerator<Uint8Array> {
        const t0 = performance.now();
        let bytes = 0;
        for await (const chunk of source) {
          resolveStarted();
          bytes += (chunk as Uint8Array).length;
          const ahead = (bytes / BYTES_PER_SECOND) * 1000 - (performance.now() - t0);
          if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
          yield chunk as Uint8Array;
        }
      }
      return files.put(name, throttled(), meta);
    },
  };
  return { sink, started };
}

/**
 * A local store whose pack writes wait for `gate`: the backup's reader (and so the
 * dump's COPY on the standby) is held mid-stream until the test has seen the conflict.
 */
function gatedStore(dir: string, gate: Promise<void>, onPack: () => void): ObjectStore {
  const store = new LocalStore(dir);
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (key === 'put') {
        return async (...args: Parameters<ObjectStore['put']>) => {
          if (args[0].startsWith('packs/')) {
            onPack();
            await gate;
          }
          return target.put(...args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('postgres replica strategy under a real recovery conflict', () => {
  let primary: PostgresServer;
  let standby: PostgresStandbyServer;
  const stops: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await removeTempDirs();
  });

  beforeAll(async () => {
    // Private servers: the standby's settings are changed here.
    primary = await startPostgres({ name: 'postgres-conflict-primary' });
    stops.push(() => primary.stop());
    standby = await startPostgresStandby(primary, { name: 'postgres-conflict-standby' });
    stops.push(() => standby.stop());
  }, 120_000);

  /** A fresh database with ROWS rows in `t`, replayed on the standby. */
  async function seed(): Promise<string> {
    const db = uniqueName('conflictdb');
    await createDatabase(primary, db);
    await withClient(primary, db, (c) =>
      c.query(
        `CREATE TABLE t (id int PRIMARY KEY, v text);
         INSERT INTO t SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, ${ROWS}) g`,
      ),
    );
    await caughtUp(primary, standby);
    return db;
  }

  /** Start a slow replica dump of `db`; once it streams, delete + vacuum on the primary. */
  async function dumpUnderCleanup(db: string, settleMs: number): Promise<{ outcome: unknown; dir: string }> {
    const dir = await tempDir('lifeboat-pg-conflict-');
    const { sink, started } = slowSink(dir);
    const dump = postgresAdapter
      .dump(workloadOf(primary, [db], { standby }), sink, {
        strategy: 'replica',
        parallelism: 1,
        signal,
        progress: noProgress,
      })
      .then(
        (capture) => capture,
        (error: unknown) => error,
      );
    await Promise.race([started, dump]);
    // Time for the standby's feedback (when on) to reach the primary.
    await new Promise((r) => setTimeout(r, settleMs));
    // Removes tuples the dump's snapshot still sees; nothing holds them back on the primary.
    await withClient(primary, db, async (c) => {
      await c.query('DELETE FROM t WHERE id % 2 = 0');
      await c.query('VACUUM t');
    });
    return { outcome: await dump, dir };
  }

  it('fails with a clear RecoveryConflictError, after a counted conflict, leaving no catalog', async () => {
    await configureStandby(standby, 'off');
    const db = await seed();
    const before = await snapshotConflicts(standby, db);
    const { outcome, dir } = await dumpUnderCleanup(db, 0);

    // The conflict really happened (stats are flushed by the cancelled backend: poll).
    let after = before;
    for (let i = 0; i < 100 && after <= before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await snapshotConflicts(standby, db);
    }
    expect(after).toBeGreaterThan(before);

    expect(outcome).toBeInstanceOf(RecoveryConflictError);
    const error = outcome as RecoveryConflictError;
    expect(error.standby).toBe(`${standby.host}:${standby.port}`);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`standby ${standby.host}:${standby.port}`);
    expect(error.message).toMatch(/conflict with recovery/);
    expect(error.message).toMatch(/hot_standby_feedback = on/);
    expect(error.message).toMatch(/max_standby_streaming_delay/);
    expect(error.message).not.toContain(standby.password);
    // The catalog is written last: without it the partial artifacts are no capture.
    await expect(access(join(dir, CATALOG_ARTIFACT))).rejects.toThrow();
  }, 180_000);

  it('control: with hot_standby_feedback = on the same dump succeeds with the snapshot rows', async () => {
    await configureStandby(standby, 'on');
    const db = await seed();
    const before = await snapshotConflicts(standby, db);
    const { outcome } = await dumpUnderCleanup(db, 2500);
    if (outcome instanceof Error) throw outcome;
    const capture = outcome as Awaited<ReturnType<typeof postgresAdapter.dump>>;
    // The dump's snapshot predates the DELETE: every row, none mixed from after it.
    expect(capture.fingerprint[`${db}.public.t`]?.rows).toBe(ROWS);
    expect(await snapshotConflicts(standby, db)).toBe(before);
  }, 180_000);

  it('through the engine: the backup fails with the conflict and no backup becomes visible', async () => {
    await configureStandby(standby, 'off');
    const db = await seed();
    const before = await snapshotConflicts(standby, db);
    const key = Buffer.from(randomBytes(32).toString('base64'));
    let openGate = (): void => {};
    const gate = new Promise<void>((r) => (openGate = r));
    let streaming = (): void => {};
    const started = new Promise<void>((r) => (streaming = r));
    // The first pack reaching the store: the table's rows are flowing (small packs, so
    // that one is written, and the next fills, long before the table ends).
    const store = gatedStore(await tempDir('lifeboat-pg-conflict-repo-'), gate, () => {
      streaming();
    });
    await Repository.init(store, { key });
    const repository = await Repository.open(store, { key, packBytes: 64 * 1024 });
    const events: RunEvent[] = [];
    const backup = runBackup(
      {
        application: { name: 'conflictapp', workloads: [workloadOf(primary, [db], { standby })] },
        options: { parallelism: 1, strategy: 'replica' },
      },
      await loadEngineSetup(),
      repository,
      {
        signal,
        onEvent: (event) => {
          events.push(event);
        },
      },
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    await Promise.race([started, backup]);
    await withClient(primary, db, async (c) => {
      await c.query('DELETE FROM t WHERE id % 2 = 0');
      await c.query('VACUUM t');
    });
    // The dump is still mid-stream (its packs wait at the gate) when replay cancels it.
    let after = before;
    for (let i = 0; i < 100 && after <= before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await snapshotConflicts(standby, db);
    }
    openGate();
    const error = await backup;
    expect(after).toBeGreaterThan(before);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(
      `recovery conflict on standby ${standby.host}:${standby.port}`,
    );
    expect((error as Error).message).toMatch(/hot_standby_feedback = on/);
    // One attempt: the phase is not retried into a backup that cannot take its artifacts again.
    expect(events.filter((e) => e.type === 'phase.retry')).toEqual([]);
    expect(await repository.listIds()).toEqual([]);
  }, 180_000);
});
