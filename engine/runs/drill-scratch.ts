/**
 * Scratch targets of a restore drill: unique database names derived from the captured
 * ones, and dropping them afterwards. Dropping goes through each adapter's own connection
 * helper (same credentials, TLS and error wrapping as its restore) with one statement.
 */
import * as mongodb from '../../adapters/mongodb/connect.ts';
import * as mysql from '../../adapters/mysql/connect.ts';
import { withConnection } from '../../adapters/postgres/connection.ts';
import { UsageError } from '../errors.ts';
import type { Workload } from '../model/index.ts';

/** `orders` → `orders_drill_<tag>`; identifiers stay within PostgreSQL's/MySQL's 63/64 chars. */
export function scratchName(database: string, tag: string): string {
  const suffix = `_drill_${tag}`;
  return `${database.slice(0, 63 - suffix.length)}${suffix}`;
}

/** Original → scratch name for every captured database. */
export function scratchRename(databases: readonly string[], tag: string): Record<string, string> {
  const rename: Record<string, string> = {};
  for (const db of databases) rename[db] = scratchName(db, tag);
  return rename;
}

const quotePg = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteMy = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * Which of `databases` already exist on the workload's primary. A drill checks this first:
 * it must never restore into, and then drop, a database it did not create.
 * @throws AdapterError when the server cannot be queried; UsageError for an unsupported engine.
 */
export async function existingDatabases(workload: Workload, databases: readonly string[]): Promise<string[]> {
  if (databases.length === 0) return [];
  switch (workload.engine) {
    case 'postgres':
      return withConnection({ workload, endpoint: workload.primary }, 'postgres', async (client) => {
        const result = await client.query<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE datname = ANY($1::text[])',
          [databases],
        );
        return result.rows.map((r) => r.datname);
      });
    case 'mysql': {
      const target = mysql.resolveTarget(workload, 'primary');
      const conn = await mysql.connect(target);
      try {
        const rows = await mysql.run<{ name: string }>(
          conn,
          target,
          'list databases',
          'SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name IN (?)',
          [databases],
        );
        return rows.map((r) => r.name);
      } finally {
        await mysql.closeQuietly(conn);
      }
    }
    case 'mongodb':
      return mongodb.withClient(mongodb.resolveTarget(workload), {}, async (client) => {
        const listed = await client.db('admin').admin().listDatabases({ nameOnly: true });
        return listed.databases.map((d) => d.name).filter((name) => databases.includes(name));
      });
    default:
      throw new UsageError(`drill: scratch targets of ${workload.engine} are not supported`);
  }
}

/**
 * Drop `databases` on the workload's primary if they exist (absent is not an error: a
 * restore that failed early may not have created them). PostgreSQL drops with FORCE so
 * a session left open by a failed step cannot keep a scratch database alive.
 * @throws AdapterError when the server refuses; UsageError for an engine without drop support.
 */
export async function dropDatabases(workload: Workload, databases: readonly string[]): Promise<void> {
  if (databases.length === 0) return;
  switch (workload.engine) {
    case 'postgres':
      await withConnection({ workload, endpoint: workload.primary }, 'postgres', async (client) => {
        for (const db of databases) await client.query(`DROP DATABASE IF EXISTS ${quotePg(db)} WITH (FORCE)`);
      });
      return;
    case 'mysql': {
      const target = mysql.resolveTarget(workload, 'primary');
      const conn = await mysql.connect(target);
      try {
        for (const db of databases)
          await mysql.run(conn, target, `drop database ${db}`, `DROP DATABASE IF EXISTS ${quoteMy(db)}`);
      } finally {
        await mysql.closeQuietly(conn);
      }
      return;
    }
    case 'mongodb':
      await mongodb.withClient(mongodb.resolveTarget(workload), {}, async (client) => {
        for (const db of databases) await client.db(db).dropDatabase();
      });
      return;
    default:
      throw new UsageError(
        `drill: dropping scratch targets of ${workload.engine} is not supported; use --keep`,
      );
  }
}
