/**
 * Physical replica-side snapshot (mariabackup) against a real primary and its replica,
 * both private: the test stops replication, which must not race other files' use of the
 * shared replica, and a second replica of the shared primary would need its own
 * server_id (two replicas with one id evict each other). The workload's primary endpoint is a tripwire that counts connections: the
 * capture must make none. The copy is restored into a new directory, a fresh `mariadbd`
 * is started on it, and its data must match the fingerprint taken at capture, with the
 * replication position recorded by mariabackup equal to the capture's GTID marker.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportDatadirStream,
  exportSql,
  mysqlAdapter,
  REPLICA_DATA_DIR_ANNOTATION,
  restoreReplicaSnapshot,
} from '../../../adapters/mysql/index.ts';
import type { ArtifactSource, CaptureResult } from '../../../adapters/types.ts';
import type { Workload } from '../../../engine/model/index.ts';
import {
  startMariadb,
  startMariadbReplica,
  type MariadbReplicaServer,
  type MariadbServer,
} from '../../../testcontainers/index.ts';
import { findMariadb, launchMariadbd, withMariadb } from '../../../testcontainers/_mariadb.ts';
import { freePorts, waitUntil, type ServerProcess } from '../../../testcontainers/_process.ts';
import { contentSnapshot, seedCorpus } from './_corpus.ts';
import {
  connectTo,
  quietProgress,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

describe('mysql replica-snapshot (mariabackup)', () => {
  let primary: MariadbServer;
  let replica: MariadbReplicaServer;
  let primaryConn: Connection;
  let replicaConn: Connection;
  let tripwire: Server;
  let tripwirePort = 0;
  let tripped = 0;
  let repo: TestRepository;
  let seededAt = '';
  const scratch: string[] = [];
  const servers: ServerProcess[] = [];
  const db = uniqueDb('physical');
  const SEEDED_WRITES = 2000;
  const seq = (g: string | undefined): number => Number(/-(\d+)$/.exec(g ?? '')?.[1] ?? NaN);
  /** Fingerprint or content entries without the table written during the capture. */
  const withoutWrites = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !/(^|[.:])writes$/.test(k)));

  /** The workload whose primary is the tripwire and whose replica is the real replica. */
  const guarded = (annotations: Record<string, string> = {}): Workload => ({
    ...workloadFor({ ...replica, host: '127.0.0.1', port: tripwirePort }, [db], replica),
    credentials: { username: replica.user, password: replica.password },
    annotations,
  });

  const sqlThread = async (): Promise<unknown> => {
    const [status] = (await replicaConn.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]];
    return status[0]?.Slave_SQL_Running;
  };

  beforeAll(async () => {
    primary = await startMariadb({ name: 'mariadb-snapshot-primary', serverId: 11 });
    replica = await startMariadbReplica(primary, { name: 'mariadb-snapshot-replica' });
    primaryConn = await connectTo(primary);
    replicaConn = await connectTo(replica);
    await seedCorpus(primaryConn, db);
    await primaryConn.query(
      `CREATE TABLE \`${db}\`.writes (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB`,
    );
    await primaryConn.query(
      `INSERT INTO \`${db}\`.writes (v) SELECT MD5(seq) FROM seq_1_to_${String(SEEDED_WRITES)}`,
    );
    const [pos] = (await primaryConn.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [{ g: string }[]];
    seededAt = pos[0]?.g ?? '';
    const [waited] = (await replicaConn.query('SELECT MASTER_GTID_WAIT(?, 30) AS w', [
      seededAt,
    ])) as unknown as [{ w: number }[]];
    expect(Number(waited[0]?.w)).toBe(0);
    tripwire = createServer((socket) => {
      tripped++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => tripwire.listen(0, '127.0.0.1', resolve));
    tripwirePort = (tripwire.address() as { port: number }).port;
    repo = await testRepository();
  });

  afterAll(async () => {
    for (const s of servers) await s.stop('SIGTERM').catch(() => undefined);
    for (const d of scratch) await rm(d, { recursive: true, force: true });
    await primaryConn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await primaryConn.end();
    await replicaConn.end();
    tripwire.close();
    await repo.remove();
    await replica.stop();
    await primary.stop();
  });

  let captured: { result: CaptureResult; source: ArtifactSource } | undefined;

  it('captures the replica only, records its position, and restarts its SQL thread', async () => {
    const signal = AbortSignal.timeout(120_000);
    // The primary keeps committing one row per transaction (one GTID each) meanwhile.
    const writerConn = await connectTo(primary);
    const state = { writing: true };
    const writer = (async () => {
      while (state.writing) await writerConn.query(`INSERT INTO \`${db}\`.writes (v) VALUES ('during')`);
    })();
    try {
      await new Promise((r) => setTimeout(r, 200));
      captured = await repo.capture('physical', (sink) =>
        mysqlAdapter.dump(guarded(), sink, {
          strategy: 'replica-snapshot',
          parallelism: 2,
          signal,
          progress: quietProgress,
        }),
      );
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      state.writing = false;
      await writer;
      await writerConn.end();
    }
    const { result } = captured;
    expect(tripped).toBe(0);
    expect(result.details.source).toBe(`${replica.host}:${String(replica.port)}`);
    expect(result.details.method).toBe('mariabackup');
    expect(await sqlThread()).toBe('Yes');

    // The marker lies between the seeding and the primary's position now.
    const [now] = (await primaryConn.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [{ g: string }[]];
    const marker = seq(result.markers.find((m) => m.kind === 'gtid')?.value);
    expect(marker).toBeGreaterThan(seq(seededAt));
    expect(marker).toBeLessThan(seq(now[0]?.g));
    expect(result.markers.find((m) => m.kind === 'binlog')?.value).toMatch(/:\d+$/);

    // The fingerprint is of exactly the marker's point: one row per transaction since seeding.
    expect(result.fingerprint[`${db}.writes`]?.rows).toBe(SEEDED_WRITES + marker - seq(seededAt));
    // The rest equals the primary's (unchanged since seeding).
    expect(Object.keys(result.fingerprint).length).toBeGreaterThan(3);
    const onPrimary = await mysqlAdapter.fingerprint(workloadFor(primary, [db]), { signal });
    expect(withoutWrites(result.fingerprint)).toEqual(withoutWrites(onPrimary));

    // Replication resumed: the replica catches up with what was written meanwhile.
    const [waited] = (await replicaConn.query('SELECT MASTER_GTID_WAIT(?, 30) AS w', [
      now[0]?.g,
    ])) as unknown as [{ w: number }[]];
    expect(Number(waited[0]?.w)).toBe(0);
  });

  it('restores into a new server whose data equals the capture', async () => {
    if (captured === undefined) throw new Error('capture test did not run');
    const { result, source } = captured;
    const signal = AbortSignal.timeout(120_000);
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-mysql-physical-'));
    scratch.push(dir);
    const dataDir = join(dir, 'data');
    const restored = await restoreReplicaSnapshot(source, dataDir, { force: false, signal });
    expect(restored.markers).toEqual(result.markers);
    // mariabackup's own record of the replica position (--slave-info) agrees with the marker.
    expect(restored.gtid).toBe(result.markers.find((m) => m.kind === 'gtid')?.value);

    // A non-empty target is refused without force, before anything is touched.
    await expect(restoreReplicaSnapshot(source, dataDir, { force: false, signal })).rejects.toThrow(
      /is not empty/,
    );
    // No lock-in: the stored stream unpacks with the native mbstream.
    const exported = join(dir, 'exported');
    await mkdir(exported);
    const mbstream = spawn('/usr/bin/mbstream', ['-x', '-C', exported], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const unpacked = new Promise((resolve) => mbstream.on('close', resolve));
    await pipeline(Readable.from(exportDatadirStream(source)), mbstream.stdin);
    expect(await unpacked).toBe(0);
    expect(await readdir(exported)).toEqual(expect.arrayContaining(['ibdata1', 'mysql', db]));
    await expect(
      (async () => {
        for await (const _ of exportSql(source)) {
          // Must refuse before yielding anything.
        }
      })(),
    ).rejects.toThrow(/physical replica snapshot, not SQL/);
    // The logical load refuses a physical capture, pointing at the right tool.
    await expect(
      mysqlAdapter.load(workloadFor(primary), source, {
        rename: {},
        force: false,
        parallelism: 1,
        signal,
        progress: quietProgress,
      }),
    ).rejects.toThrow(/physical replica snapshot/);

    const [port = 0] = await freePorts(1);
    const proc = await launchMariadbd(findMariadb('restored').mariadbd, dir, dataDir, port, 77);
    servers.push(proc);
    // The copy carries the replica's accounts: its root password logs in.
    const conn = { host: '127.0.0.1', port, user: replica.user, password: replica.password };
    await waitUntil('restored', proc, () => withMariadb(conn, () => Promise.resolve(true)), 60_000);
    const restoredWorkload = workloadFor(conn, [db]);
    const fp = await mysqlAdapter.fingerprint(restoredWorkload, { signal });
    expect(fp).toEqual(result.fingerprint);
    // An adapter-independent content comparison too.
    const restoredConn = await connectTo(conn);
    try {
      expect(withoutWrites(await contentSnapshot(restoredConn, db))).toEqual(
        withoutWrites(await contentSnapshot(replicaConn, db)),
      );
      // The restored server is not replicating (no master.info is copied) and is writable.
      const [status] = (await restoredConn.query('SHOW SLAVE STATUS')) as unknown as [unknown[]];
      expect(status).toEqual([]);
      await restoredConn.query(`CREATE TABLE \`${db}\`.after_restore (id INT PRIMARY KEY)`);
    } finally {
      await restoredConn.end();
    }
  });

  it('fails clearly, before stopping replication, when the data directory is not readable here', async () => {
    const missing = join(tmpdir(), 'lifeboat-no-such-datadir');
    await expect(
      mysqlAdapter.dump(
        guarded({ [REPLICA_DATA_DIR_ANNOTATION]: missing }),
        { put: () => Promise.reject(new Error('unused')) },
        {
          strategy: 'replica-snapshot',
          parallelism: 1,
          signal: AbortSignal.timeout(30_000),
          progress: quietProgress,
        },
      ),
    ).rejects.toThrow(/not readable here.*on the replica's node or in its pod/);
    expect(await sqlThread()).toBe('Yes');
    expect(tripped).toBe(0);
  });

  it('refuses a replica whose replication is not running, without touching it', async () => {
    await replicaConn.query('STOP SLAVE');
    try {
      await expect(
        mysqlAdapter.dump(
          guarded(),
          { put: () => Promise.reject(new Error('unused')) },
          {
            strategy: 'replica-snapshot',
            parallelism: 1,
            signal: AbortSignal.timeout(30_000),
            progress: quietProgress,
          },
        ),
      ).rejects.toThrow(/cannot be captured: replication is not running \(IO thread No, SQL thread No\)/);
      expect(await sqlThread()).toBe('No');
    } finally {
      await replicaConn.query('START SLAVE');
      // Running again, with a known lag, before the next test.
      for (let i = 0; i < 100; i++) {
        const [status] = (await replicaConn.query('SHOW SLAVE STATUS')) as unknown as [
          Record<string, unknown>[],
        ];
        if (status[0]?.Slave_IO_Running === 'Yes' && status[0].Seconds_Behind_Master !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(tripped).toBe(0);
  });

  it('is cancelled cleanly: no mariabackup left, no option file left, SQL thread running', async () => {
    const controller = new AbortController();
    // A sink that reads slowly, so the capture is still streaming when it is cancelled.
    const slow = {
      put: async (_name: string, data: AsyncIterable<Uint8Array>) => {
        let bytes = 0;
        for await (const chunk of data) {
          bytes += chunk.length;
          await new Promise((r) => setTimeout(r, 50));
        }
        return { bytes };
      },
    };
    setTimeout(() => {
      controller.abort(new Error('stop'));
    }, 500);
    await expect(
      mysqlAdapter.dump(guarded(), slow, {
        strategy: 'replica-snapshot',
        parallelism: 1,
        signal: controller.signal,
        progress: quietProgress,
      }),
    ).rejects.toThrow(/cancelled/);
    expect(await sqlThread()).toBe('Yes');
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps).not.toMatch(/mariabackup --defaults-file=\S*lifeboat-mariabackup-/);
    const left = (await readdir(tmpdir())).filter((n) => n.startsWith('lifeboat-mariabackup-'));
    expect(left).toEqual([]);
    expect(tripped).toBe(0);
  });

  it('restarts the SQL thread when the stream cannot be stored', async () => {
    const failing = { put: () => Promise.reject(new Error('disk full')) };
    await expect(
      mysqlAdapter.dump(guarded(), failing, {
        strategy: 'replica-snapshot',
        parallelism: 1,
        signal: AbortSignal.timeout(60_000),
        progress: quietProgress,
      }),
    ).rejects.toThrow(/disk full/);
    expect(await sqlThread()).toBe('Yes');
    expect(tripped).toBe(0);
  });
});
