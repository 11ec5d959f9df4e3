/** probe against a real primary with a GTID replica attached, and against the replica. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import {
  useServer,
  type MariadbReplicaServer,
  type MariadbServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { connectTo, uniqueDb, workloadFor } from './_helpers.ts';

describe('mysql probe', () => {
  let primary: SharedServer<MariadbServer>;
  let replica: SharedServer<MariadbReplicaServer>;
  let conn: Connection;
  const db = uniqueDb('probed');

  beforeAll(async () => {
    replica = await useServer('mariadb-replica');
    primary = await useServer('mariadb');
    conn = await connectTo(primary);
    await conn.query(`CREATE DATABASE \`${db}\``);
    await conn.query(`CREATE TABLE \`${db}\`.old_style (id INT PRIMARY KEY) ENGINE=MyISAM`);
  });
  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.end();
  });

  it('reports version, primary role with its replica, databases, privileges and limitations', async () => {
    const result = await mysqlAdapter.probe(workloadFor(primary), AbortSignal.timeout(20_000));
    expect(result.version).toMatch(/^10\.11\..*MariaDB/);
    expect(result.role).toBe('primary');
    expect(result.replicas.length).toBeGreaterThanOrEqual(1);
    expect(result.databases).toContain(db);
    expect(result.databases).not.toContain('mysql');
    expect(result.privileges).toEqual(
      expect.arrayContaining(['reload', 'lock tables', 'replication client']),
    );
    expect(result.limitations).toContain(
      `${db}.old_style uses MyISAM: not covered by the InnoDB consistent snapshot`,
    );
  });

  it('reports a replica with its lag', async () => {
    const result = await mysqlAdapter.probe(workloadFor(replica), AbortSignal.timeout(20_000));
    expect(result.role).toBe('replica');
    expect(typeof result.lagSeconds).toBe('number');
  });
});
