/**
 * Replica strategy: the dump reads the replica only. The workload's primary endpoint is
 * a TCP listener that counts connections: it must see none. The replica's SQL thread is
 * running again afterwards, the markers are the replica's position in the primary's
 * history, and the capture fingerprints equal to the primary's live data.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { load } from '../../../adapters/mysql/load.ts';
import type { Workload } from '../../../engine/model/index.ts';
import {
  useServer,
  type MariadbReplicaServer,
  type MariadbServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { seedCorpus } from './_corpus.ts';
import {
  connectTo,
  quietProgress,
  testRepository,
  uniqueDb,
  workloadFor,
  type TestRepository,
} from './_helpers.ts';

describe('mysql replica strategy', () => {
  let primary: SharedServer<MariadbServer>;
  let replica: SharedServer<MariadbReplicaServer>;
  let primaryConn: Connection;
  let replicaConn: Connection;
  let tripwire: Server;
  let tripwirePort = 0;
  let tripped = 0;
  let repo: TestRepository;
  let seededAt = '';
  const db = uniqueDb('replicated');

  beforeAll(async () => {
    primary = await useServer('mariadb');
    replica = await useServer('mariadb-replica');
    primaryConn = await connectTo(primary);
    replicaConn = await connectTo(replica);
    await seedCorpus(primaryConn, db);
    const [pos] = (await primaryConn.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [{ g: string }[]];
    const [waited] = (await replicaConn.query('SELECT MASTER_GTID_WAIT(?, 30) AS w', [
      pos[0]?.g,
    ])) as unknown as [{ w: number }[]];
    expect(Number(waited[0]?.w)).toBe(0);
    seededAt = pos[0]?.g ?? '';
    tripwire = createServer((socket) => {
      tripped++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => tripwire.listen(0, '127.0.0.1', resolve));
    tripwirePort = (tripwire.address() as { port: number }).port;
    repo = await testRepository();
  });
  afterAll(async () => {
    await primaryConn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await primaryConn.end();
    await replicaConn.end();
    tripwire.close();
    await repo.remove();
  });

  it('dumps from the replica without touching the primary', async () => {
    const base = workloadFor({ ...replica, host: '127.0.0.1', port: tripwirePort }, [db], replica);
    const workload: Workload = {
      ...base,
      credentials: { username: replica.user, password: replica.password },
    };
    const signal = AbortSignal.timeout(60_000);
    const { result } = await repo.capture('replicated', (sink) =>
      mysqlAdapter.dump(workload, sink, {
        strategy: 'replica',
        parallelism: 2,
        signal,
        progress: quietProgress,
      }),
    );
    expect(tripped).toBe(0);
    expect(result.details.source).toBe(`${replica.host}:${String(replica.port)}`);

    const [status] = (await replicaConn.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]];
    expect(status[0]?.Slave_SQL_Running).toBe('Yes');
    expect(status[0]?.Slave_IO_Running).toBe('Yes');

    // Other test files write to the shared primary meanwhile: the replica's position lies
    // between the primary's before the dump and its position now.
    const [gtid] = (await primaryConn.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [{ g: string }[]];
    const seq = (g: string | undefined): number => Number(/-(\d+)$/.exec(g ?? '')?.[1] ?? NaN);
    const marker = seq(result.markers.find((m) => m.kind === 'gtid')?.value);
    expect(marker).toBeGreaterThanOrEqual(seq(seededAt));
    expect(marker).toBeLessThanOrEqual(seq(gtid[0]?.g));
    expect(result.markers.find((m) => m.kind === 'binlog')?.value).toMatch(/:\d+$/);

    const onPrimary = await mysqlAdapter.fingerprint(workloadFor(primary, [db]), { signal });
    expect(result.fingerprint).toEqual(onPrimary);
  });

  it('restores through the binlog by default, and past it with binlog: false', async () => {
    const signal = AbortSignal.timeout(60_000);
    const { source } = await repo.capture('for-restore', (sink) =>
      mysqlAdapter.dump(workloadFor(primary, [db]), sink, {
        strategy: 'logical',
        parallelism: 1,
        signal,
        progress: quietProgress,
      }),
    );
    const logged = `${db}_logged`;
    const unlogged = `${db}_unlogged`;
    try {
      const options = { force: false, parallelism: 2, signal, progress: quietProgress };
      await mysqlAdapter.load(workloadFor(primary), source, { ...options, rename: { [db]: logged } });
      await load(workloadFor(primary), source, { ...options, rename: { [db]: unlogged }, binlog: false });
      const [pos] = (await primaryConn.query('SELECT @@gtid_binlog_pos AS g')) as unknown as [
        { g: string }[],
      ];
      await replicaConn.query('SELECT MASTER_GTID_WAIT(?, 30)', [pos[0]?.g]);
      const [dbs] = (await replicaConn.query(
        'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)',
        [logged, unlogged],
      )) as unknown as [{ n: string }[]];
      expect(dbs.map((r) => r.n)).toEqual([logged]);
    } finally {
      await primaryConn.query(`DROP DATABASE IF EXISTS \`${logged}\``);
      await primaryConn.query(`DROP DATABASE IF EXISTS \`${unlogged}\``);
    }
  });

  it('restarts the SQL thread even when the dump fails', async () => {
    const base = workloadFor({ ...replica, host: '127.0.0.1', port: tripwirePort }, [db], replica);
    const workload: Workload = {
      ...base,
      credentials: { username: replica.user, password: replica.password },
    };
    const failing = { put: () => Promise.reject(new Error('disk full')) };
    await expect(
      mysqlAdapter.dump(workload, failing, {
        strategy: 'replica',
        parallelism: 2,
        signal: AbortSignal.timeout(30_000),
        progress: quietProgress,
      }),
    ).rejects.toThrow(/disk full/);
    const [status] = (await replicaConn.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]];
    expect(status[0]?.Slave_SQL_Running).toBe('Yes');
    expect(tripped).toBe(0);
  });
});
