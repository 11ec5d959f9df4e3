/**
 * What one server allows: version and flavour, role and lag, databases, the privileges a
 * capture needs, and what it lacks.
 */
import type { Workload } from '../../engine/model/index.ts';
import type { ProbeResult } from '../types.ts';
import { listDatabases, SYSTEM_DATABASES } from './catalog.ts';
import { closeQuietly, connect, resolveTarget, run } from './connect.ts';
import { hasBackupStage, readServerInfo } from './server-info.ts';

/** Privileges that matter to a capture, as they appear in `SHOW GRANTS`. */
const RELEVANT = [
  'RELOAD',
  'LOCK TABLES',
  'REPLICATION CLIENT',
  'BINLOG MONITOR',
  'SUPER',
  'SLAVE MONITOR',
  'REPLICA MONITOR',
  'SELECT',
  'SHOW VIEW',
  'EVENT',
  'TRIGGER',
];

/** Global privileges from `SHOW GRANTS` lines, lower-cased (`all privileges` expands to all relevant ones). Pure. */
export function parseGlobalPrivileges(grants: readonly string[]): string[] {
  const found = new Set<string>();
  for (const g of grants) {
    const m = /^GRANT (.+?) ON \*\.\* TO /i.exec(g);
    if (!m?.[1]) continue;
    const list = m[1].toUpperCase();
    if (list.startsWith('ALL PRIVILEGES')) {
      for (const p of RELEVANT) found.add(p.toLowerCase());
      continue;
    }
    for (const p of list.split(',').map((s) => s.trim())) {
      if (RELEVANT.includes(p)) found.add(p.toLowerCase());
    }
  }
  return [...found].sort();
}

interface SlaveRow {
  readonly Seconds_Behind_Master?: number | string | null;
}

/** Probe the primary (or, when it has none reachable, report what connecting said). */
export async function probe(workload: Workload, signal: AbortSignal): Promise<ProbeResult> {
  const target = resolveTarget(workload, 'primary');
  const conn = await connect(target, signal);
  try {
    const info = await readServerInfo(conn, target);
    const limitations: string[] = [];
    const grants = (await run<Record<string, string>>(conn, target, 'read grants', 'SHOW GRANTS')).map(
      (r) => Object.values(r)[0] ?? '',
    );
    const privileges = parseGlobalPrivileges(grants);
    let role: ProbeResult['role'] = 'standalone';
    let lagSeconds: number | undefined;
    try {
      const [slave] = (await conn.query('SHOW SLAVE STATUS'))[0] as SlaveRow[];
      if (slave !== undefined) {
        role = 'replica';
        const lag = slave.Seconds_Behind_Master;
        if (lag !== null && lag !== undefined && lag !== '') lagSeconds = Number(lag);
        else limitations.push('replication is not running (Seconds_Behind_Master is NULL)');
      }
    } catch {
      limitations.push('cannot read replica status (needs REPLICATION CLIENT / SLAVE MONITOR)');
    }
    const replicas: { host: string; port: number }[] = [];
    try {
      const hosts = (await conn.query('SHOW SLAVE HOSTS'))[0] as { Host?: string; Port?: number | string }[];
      for (const h of hosts) replicas.push({ host: h.Host ?? '', port: Number(h.Port ?? 0) });
      if (role !== 'replica' && replicas.length > 0) role = 'primary';
    } catch {
      limitations.push('cannot list replicas (needs REPLICATION MASTER ADMIN)');
    }
    const databases = await listDatabases(conn, target, []);
    const [binlog] = await run<{ b: number | string }>(conn, target, 'read log_bin', 'SELECT @@log_bin AS b');
    if (Number(binlog?.b ?? 0) !== 1)
      limitations.push('binary log disabled: no binlog/GTID marker, no point-in-time recovery');
    if (!privileges.includes('reload')) {
      limitations.push(
        'no RELOAD privilege: no write fence, so dumps use one stream (no shared snapshot across connections)',
      );
    }
    if (!hasBackupStage(info))
      limitations.push('no BACKUP STAGE: the fence uses FLUSH TABLES WITH READ LOCK');
    const placeholders = SYSTEM_DATABASES.map(() => '?').join(',');
    const nonTx = await run<{ s: string; n: string; e: string }>(
      conn,
      target,
      'find non-transactional tables',
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, ENGINE AS e FROM information_schema.TABLES
        WHERE TABLE_TYPE = 'BASE TABLE' AND ENGINE NOT IN ('InnoDB') AND TABLE_SCHEMA NOT IN (${placeholders}) LIMIT 20`,
      [...SYSTEM_DATABASES],
    );
    for (const t of nonTx) {
      limitations.push(`${t.s}.${t.n} uses ${t.e}: not covered by the InnoDB consistent snapshot`);
    }
    return {
      version: info.version,
      role,
      ...(lagSeconds === undefined ? {} : { lagSeconds }),
      replicas,
      databases,
      privileges,
      limitations,
    };
  } finally {
    await closeQuietly(conn);
  }
}
