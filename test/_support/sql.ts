/**
 * SQL against a test server, for seeding and checking in tests: sessions the caller ends
 * (`pgConnect`, `myConnect`), or one-shot queries on a connection per call, closed
 * afterwards, whose rows come back as plain objects.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import pg from 'pg';

interface SqlServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** An open PostgreSQL session on `database`; the caller ends it. */
export async function pgConnect(server: SqlServer, database: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });
  await client.connect();
  return client;
}

/** An open MariaDB session (several statements per query allowed); the caller ends it. */
export function myConnect(server: SqlServer): Promise<Connection> {
  return createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    multipleStatements: true,
  });
}

export async function pgQuery(
  server: SqlServer,
  database: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const client = await pgConnect(server, database);
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** Runs `sql` (several statements allowed); returns the rows of the first result. */
export async function myQuery(server: SqlServer, sql: string): Promise<Record<string, unknown>[]> {
  const conn = await myConnect(server);
  try {
    return (await conn.query(sql))[0] as Record<string, unknown>[];
  } finally {
    await conn.end();
  }
}
