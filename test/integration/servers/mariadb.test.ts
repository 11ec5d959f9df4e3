import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';

async function query(url: string, sql: string, params: unknown[] = []): Promise<mysql.RowDataPacket[]> {
  const c = await mysql.createConnection(url);
  try {
    const [rows] = await c.query<mysql.RowDataPacket[]>(sql, params);
    return rows;
  } finally {
    await c.end();
  }
}

describe('shared MariaDB primary and GTID replica', () => {
  it('writes on the primary and reads it back there and on the replica', async () => {
    const primary = await useServer('mariadb');
    const replica = await useServer('mariadb-replica');
    expect(primary.version).toMatch(/^10\.\d+\.\d+$/);
    const marker = randomUUID();
    await query(primary.url, 'CREATE DATABASE IF NOT EXISTS servers_check');
    await query(primary.url, 'CREATE TABLE IF NOT EXISTS servers_check.t (marker varchar(64) PRIMARY KEY)');
    await query(primary.url, 'INSERT INTO servers_check.t VALUES (?)', [marker]);
    expect(await query(primary.url, 'SELECT marker FROM servers_check.t WHERE marker = ?', [marker])).toEqual(
      [{ marker }],
    );
    const [pos] = await query(primary.url, 'SELECT @@gtid_binlog_pos AS pos');
    expect(String(pos?.pos)).toMatch(/^0-1-\d+$/);

    await expect
      .poll(
        async () => {
          try {
            return await query(replica.url, 'SELECT marker FROM servers_check.t WHERE marker = ?', [marker]);
          } catch {
            return [];
          }
        },
        { timeout: 10_000 },
      )
      .toEqual([{ marker }]);
    const [slavePos] = await query(replica.url, 'SELECT @@gtid_slave_pos AS pos');
    expect(String(slavePos?.pos)).toMatch(/^0-1-\d+$/);
  });
});
