import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startMariadb, startPostgres } from '../../../testcontainers/index.ts';

describe('private servers (startX, not shared)', () => {
  it('postgres takes extra settings, refuses a wrong password, and stop removes its directory', async () => {
    const server = await startPostgres({ settings: { wal_level: 'logical' } });
    try {
      expect(server.external).toBe(false);
      expect(existsSync(server.dataDir)).toBe(true);
      const client = new pg.Client(server.url);
      await client.connect();
      const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
      await client.end();
      expect(rows).toEqual([{ wal_level: 'logical' }]);
      const bad = new pg.Client({ ...server, password: 'wrong' });
      await expect(bad.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dataDir)).toBe(false);
  });

  it('mariadb takes extra flags and has binlog + GTID on', async () => {
    const server = await startMariadb({ flags: ['--lock-wait-timeout=7'] });
    try {
      const c = await mysql.createConnection(server.url);
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        'SELECT @@lock_wait_timeout AS lwt, @@log_bin AS log_bin, @@binlog_format AS fmt, @@gtid_strict_mode AS strict',
      );
      await c.end();
      expect(rows[0]).toEqual({ lwt: 7, log_bin: 1, fmt: 'ROW', strict: 1 });
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dataDir)).toBe(false);
  });
});
