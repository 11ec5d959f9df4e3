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
