/**
 * One-shot SQL against a test server, for seeding and checking in tests: a connection per
 * call, closed afterwards. Rows come back as plain objects.
 */
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

interface SqlServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export async function pgQuery(
  server: SqlServer,
  database: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** Runs `sql` (several statements allowed); returns the rows of the first result. */
export async function myQuery(server: SqlServer, sql: string): Promise<Record<string, unknown>[]> {
  const conn = await createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    multipleStatements: true,
  });
  try {
    return (await conn.query(sql))[0] as Record<string, unknown>[];
  } finally {
    await conn.end();
  }
}
