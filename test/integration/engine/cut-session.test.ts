/**
 * The connections a cut uses are opened before its first fence (`prepareCut`): fencing and
 * pinning afterwards opens no new connection on PostgreSQL or MariaDB. A MariaDB member
 * fenced by the cut pins its parallel snapshot streams under that fence, without a second
 * fence of its own (a second BACKUP STAGE from another session would wait for the first
 * one until its deadline), and both streams see the same snapshot.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { sessionForToken } from '../../../adapters/mysql/pin-snapshot.ts';
import { postgresAdapter } from '../../../adapters/postgres/index.ts';
import { workloadsFromArguments } from '../../../engine/model/index.ts';
import {
  useServer,
  type MariadbServer,
  type PostgresServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { myQuery as myQueryOn, pgQuery as pgQueryOn } from '../../_support/sql.ts';

const suffix = randomBytes(3).toString('hex');
const PG_DB = `cutsess_a_${suffix}`;
const MY_DB = `cutsess_b_${suffix}`;

describe('cut sessions prepared before the first fence', () => {
  let postgres: SharedServer<PostgresServer>;
  let mariadb: SharedServer<MariadbServer>;

  beforeAll(async () => {
    [postgres, mariadb] = await Promise.all([useServer('postgres'), useServer('mariadb')]);
    await pgQueryOn(postgres, 'postgres', `CREATE DATABASE ${PG_DB}`);
    await pgQueryOn(postgres, PG_DB, 'CREATE TABLE t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1)');
    await myQueryOn(
      mariadb,
      `CREATE DATABASE ${MY_DB}; CREATE TABLE ${MY_DB}.t (id BIGINT PRIMARY KEY); INSERT INTO ${MY_DB}.t VALUES (1)`,
    );
  });

  afterAll(async () => {
    await pgQueryOn(postgres, 'postgres', `DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`).catch(
      () => undefined,
    );
    await myQueryOn(mariadb, `DROP DATABASE IF EXISTS ${MY_DB}`).catch(() => undefined);
  });

  it('PostgreSQL: fence and pin use only the connections opened before', async () => {
    const [workload] = workloadsFromArguments(
      [`a=postgres://${postgres.user}@${postgres.host}:${postgres.port}/${PG_DB}`],
      [],
      () => postgres.password,
    );
    if (!workload) throw new Error('no workload');
    const backends = async () =>
      Number(
        (
          await pgQueryOn(
            postgres,
            'postgres',
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'lifeboat-%' AND datname = '${PG_DB}'`,
          )
        )[0]?.n,
      );
    const signal = new AbortController().signal;
    const session = await postgresAdapter.prepareCut(workload, signal);
    const opened = await backends();
    expect(opened).toBe(2); // one fence session and one snapshot connection for the one database
    const fence = await session.freeze({ deadlineMs: 5000, signal });
    const snapshot = await session.pinSnapshot(signal);
    expect(await backends()).toBe(opened);
    expect(snapshot.markers[0]?.kind).toBe('lsn');
    await fence.release();
    await snapshot.release();
    await session.close();
    expect(await backends()).toBe(0);
  });

  it('MariaDB: fenced by the cut, the pin starts its streams under that fence, opening nothing', async () => {
    const [workload] = workloadsFromArguments(
      [`b=mysql://${mariadb.user}@${mariadb.host}:${mariadb.port}/${MY_DB}`],
      [],
      () => mariadb.password,
    );
    if (!workload) throw new Error('no workload');
    const connections = async () =>
      Number((await myQueryOn(mariadb, "SHOW GLOBAL STATUS LIKE 'Connections'"))[0]?.Value);
    const signal = new AbortController().signal;
    const session = await mysqlAdapter.prepareCut(workload, signal);
    const before = await connections();
    const fence = await session.freeze({ deadlineMs: 5000, signal });
    const started = performance.now();
    const snapshot = await session.pinSnapshot(signal);
    const pinMs = performance.now() - started;
    // `connections()` itself opens one connection per call.
    expect(await connections()).toBe(before + 1);
    // A second fence would wait for the first one until its own 10 s deadline and fail.
    expect(pinMs).toBeLessThan(5000);
    expect(snapshot.markers.map((m) => m.kind)).toContain('binlog');
    // Both streams read the snapshot: a row committed after the release is invisible to them.
    await fence.release();
    await myQueryOn(mariadb, `INSERT INTO ${MY_DB}.t VALUES (2)`);
    const streams = sessionForToken(snapshot.token).connections;
    expect(streams).toHaveLength(2);
    for (const stream of streams) {
      const [rows] = (await stream.query(`SELECT count(*) AS n FROM ${MY_DB}.t`)) as unknown as [
        { n: number | string }[],
      ];
      expect(Number(rows[0]?.n)).toBe(1);
    }
    await snapshot.release();
    await session.close();
  });
});
