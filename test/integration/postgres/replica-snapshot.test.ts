/**
 * Physical replica-side snapshot against a real (private) streaming standby: replay is
 * paused, the data directory streamed into a sink while the primary keeps writing, and
 * replay resumed. A server started from the restored copy recovers to the captured LSN,
 * promotes, and holds exactly what the capture fingerprint says (none of the later writes).
 */
import { chmod, chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  startPostgresStandby,
  useServer,
  type PostgresStandbyServer,
} from '../../../testcontainers/index.ts';
import { findPgBinDir, launchPostmaster } from '../../../testcontainers/_postgres.ts';
import { freePorts, unprivilegedUser } from '../../../testcontainers/_process.ts';
import {
  REPLICA_DATA_DIR_ANNOTATION,
  postgresAdapter,
  restoreReplicaSnapshot,
} from '../../../adapters/postgres/index.ts';
import {
  createDatabase,
  noProgress,
  removeTempDirs,
  tempArtifacts,
  tempDir,
  uniqueName,
  withClient,
  workloadOf,
  type PgServerInfo,
} from './helpers.ts';

const signal = new AbortController().signal;

async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(dir, owner.uid, owner.gid);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chown(join(e.parentPath, e.name), owner.uid, owner.gid);
  }
}

describe('postgres replica-side physical snapshot', () => {
  let primary: PgServerInfo & { binDir?: string };
  let standby: PostgresStandbyServer;
  const db = uniqueName('physdb');
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    primary = await useServer('postgres');
    await createDatabase(primary, db);
    await withClient(primary, db, (c) =>
      c.query(
        'CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) SELECT md5(g::text) FROM generate_series(1, 20000) g',
      ),
    );
    // A private standby: pausing replay must not disturb other tests' shared standby.
    standby = await startPostgresStandby(await useServer('postgres'), { name: 'postgres-standby-snapshot' });
    stops.push(() => standby.stop());
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await removeTempDirs();
  });

  it('captures a paused standby and the copy recovers to exactly the captured state', async () => {
    const workload = workloadOf(primary, [db], { standby });
    // Writes keep coming on the primary during the capture.
    const state = { writing: true };
    const writer = withClient(primary, db, async (c) => {
      while (state.writing) await c.query("INSERT INTO t (v) VALUES ('later')");
    });
    const artifacts = await tempArtifacts();
    let result;
    try {
      await new Promise((r) => setTimeout(r, 200));
      result = await postgresAdapter.dump(
        { ...workload, annotations: { [REPLICA_DATA_DIR_ANNOTATION]: join(standby.dataDir, 'data') } },
        artifacts,
        { strategy: 'replica-snapshot', parallelism: 1, signal, progress: noProgress },
      );
    } finally {
      state.writing = false;
      await writer;
    }
    expect(result.markers[0]?.kind).toBe('lsn');
    // Replay was resumed: the standby catches up with the writes made meanwhile.
    const primaryRows = await withClient(primary, db, async (c) =>
      Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM t')).rows[0]?.n),
    );
    let standbyRows = 0;
    for (let i = 0; i < 100 && standbyRows !== primaryRows; i++) {
      await new Promise((r) => setTimeout(r, 100));
      standbyRows = await withClient(standby, db, async (c) =>
        Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM t')).rows[0]?.n),
      );
    }
    expect(standbyRows).toBe(primaryRows);

    // Restore into a new directory and start a server on it.
    const dir = await tempDir('lifeboat-pg-phys-');
    const dataDir = join(dir, 'data');
    const { lsn } = await restoreReplicaSnapshot(artifacts, dataDir);
    expect(lsn).toBe(result.markers[0]?.value);
    await chmod(dataDir, 0o700);
    const owner = unprivilegedUser();
    if (owner) await chownTree(dir, owner);
    const [port = 0] = await freePorts(1);
    const proc = await launchPostmaster(primary.binDir || findPgBinDir('restored'), dir, dataDir, port);
    stops.push(() => proc.stop('SIGINT'));
    const restored = { host: '127.0.0.1', port, user: primary.user, password: primary.password };
    let promoted = false;
    for (let i = 0; i < 300 && !promoted; i++) {
      await new Promise((r) => setTimeout(r, 100));
      promoted = await withClient(restored, 'postgres', async (c) => {
        const r = await c.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec');
        return r.rows[0]?.rec === false;
      }).catch(() => false);
    }
    expect(promoted).toBe(true);
    const fp = await postgresAdapter.fingerprint(workloadOf(restored, [db]), { databases: [db], signal });
    expect(fp).toEqual(result.fingerprint);
    const restoredRows = fp[`${db}.public.t`]?.rows ?? 0;
    expect(restoredRows).toBeGreaterThanOrEqual(20000);
    expect(restoredRows).toBeLessThan(primaryRows);
    // load() refuses a physical capture with a pointer to the right tool.
    await expect(
      postgresAdapter.load(workloadOf(restored, []), artifacts, {
        rename: {},
        force: false,
        parallelism: 1,
        signal,
        progress: noProgress,
      }),
    ).rejects.toThrow(/physical replica snapshot/);
    // The copy is a writable primary now.
    await withClient(restored, db, (c: pg.Client) => c.query("INSERT INTO t (v) VALUES ('after restore')"));
  });
});
