/** Reading what kind of server a connection reached. */
import type { Connection } from 'mysql2/promise';
import { run, type MysqlTarget } from './connect.ts';

export interface ServerInfo {
  /** As the server prints it, e.g. `10.11.19-MariaDB-0+deb12u1-log`. */
  readonly version: string;
  readonly flavor: 'mariadb' | 'mysql';
  /** Major and minor, e.g. [10, 11]. */
  readonly major: number;
  readonly minor: number;
}

/** Parse `SELECT VERSION()` output. Pure. */
export function parseVersion(version: string): ServerInfo {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return {
    version,
    flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql',
    major: m ? Number(m[1]) : 0,
    minor: m ? Number(m[2]) : 0,
  };
}

/** True when the server has MariaDB's `BACKUP STAGE` (10.4.1 and later). Pure. */
export function hasBackupStage(info: ServerInfo): boolean {
  return info.flavor === 'mariadb' && (info.major > 10 || (info.major === 10 && info.minor >= 4));
}

export async function readServerInfo(conn: Connection, target: MysqlTarget): Promise<ServerInfo> {
  const rows = await run<{ v: string }>(conn, target, 'read version', 'SELECT VERSION() AS v');
  return parseVersion(rows[0]?.v ?? '');
}
