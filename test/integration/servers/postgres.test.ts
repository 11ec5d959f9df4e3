import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';

async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('shared PostgreSQL primary and streaming standby', () => {
  it('writes on the primary and reads it back there and on the standby', async () => {
    const primary = await useServer('postgres');
    const standby = await useServer('postgres-standby');
    expect(primary.version).toMatch(/^\d+\.\d+/);
    const marker = randomUUID();
    await query(primary.url, 'CREATE TABLE IF NOT EXISTS servers_check (marker text PRIMARY KEY)');
    await query(primary.url, 'INSERT INTO servers_check VALUES ($1)', [marker]);
    expect(await query(primary.url, 'SELECT marker FROM servers_check WHERE marker = $1', [marker])).toEqual([
      { marker },
    ]);

    const [{ recovering } = { recovering: false }] = await query<{ recovering: boolean }>(
      standby.url,
      'SELECT pg_is_in_recovery() AS recovering',
    );
    expect(recovering).toBe(true);
    await expect
      .poll(
        async () => {
          try {
            return await query(standby.url, 'SELECT marker FROM servers_check WHERE marker = $1', [marker]);
          } catch {
            return []; // the table itself may not have been replayed yet
          }
        },
        { timeout: 10_000 },
      )
      .toEqual([{ marker }]);
  });

  it('refuses writes on the standby', async () => {
    const standby = await useServer('postgres-standby');
    await expect(query(standby.url, 'CREATE TABLE refused (x int)')).rejects.toThrow(/read-only/);
  });
});
