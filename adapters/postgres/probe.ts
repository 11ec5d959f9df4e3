/**
 * What one PostgreSQL server offers a capture: version, role (primary / standby /
 * standalone), its standbys and their lag (or its own replay lag), databases, the
 * privileges that matter and the limitations the planner must know about.
 */
import type { Workload } from '../../engine/model/index.ts';
import type { ProbeResult } from '../types.ts';
import { listDatabases } from './catalog.ts';
import { withConnection, type ConnectionTarget } from './connection.ts';
import { adapterError } from './errors.ts';
import { maintenanceDatabase } from './snapshot.ts';

/** Probe the workload's primary, or its first replica with `endpoint: 'replica'`. */
export async function probe(
  workload: Workload,
  options: { endpoint?: 'primary' | 'replica' } = {},
): Promise<ProbeResult> {
  const endpoint =
    options.endpoint === 'replica' ? (workload.replicas[0] ?? workload.primary) : workload.primary;
  const target: ConnectionTarget = { workload, endpoint };
  return withConnection(target, maintenanceDatabase(workload, endpoint), async (client) => {
    try {
      const facts = await client.query<{
        version: string;
        version_num: string;
        in_recovery: boolean;
        superuser: boolean;
        replication: boolean;
        createdb: boolean;
        read_all: boolean;
        lag: number | null;
        wal_level: string;
        hot_standby_feedback: string;
      }>(
        `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS version_num,
                pg_catalog.pg_is_in_recovery() AS in_recovery,
                r.rolsuper AS superuser, r.rolreplication AS replication, r.rolcreatedb AS createdb,
                pg_catalog.pg_has_role(current_user, 'pg_read_all_data', 'MEMBER') AS read_all,
                CASE WHEN NOT pg_catalog.pg_is_in_recovery() THEN NULL
                     WHEN pg_catalog.pg_last_wal_receive_lsn() = pg_catalog.pg_last_wal_replay_lsn() THEN 0
                     ELSE extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp())::float8 END AS lag,
                current_setting('wal_level') AS wal_level,
                current_setting('hot_standby_feedback') AS hot_standby_feedback
           FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
      );
      const f = facts.rows[0];
      if (f === undefined) throw new Error('current role not found');
      const replicas = f.in_recovery
        ? []
        : (
            await client.query<{ host: string | null; port: number | null; lag: number | null }>(
              `SELECT host(client_addr) AS host, client_port AS port,
                      extract(epoch FROM coalesce(replay_lag, interval '0'))::float8 AS lag
                 FROM pg_catalog.pg_stat_replication ORDER BY 1, 2`,
            )
          ).rows.map((r) => ({ host: r.host ?? 'local', port: r.port ?? 0, lagSeconds: r.lag ?? 0 }));
      const databases = await listDatabases(client);
      const privileges = [
        ...(f.superuser ? ['superuser'] : []),
        ...(f.replication ? ['replication'] : []),
        ...(f.createdb ? ['createdb'] : []),
        ...(f.read_all || f.superuser ? ['read_all_data'] : []),
      ];
      const limitations: string[] = [];
      if (!f.superuser)
        limitations.push('not superuser: role passwords are not captured (pg_dumpall --no-role-passwords)');
      if (!f.superuser && !f.read_all)
        limitations.push(
          'not superuser nor pg_read_all_data: tables the role cannot read make the dump fail',
        );
      if (Number(f.version_num) < 150000)
        limitations.push('server older than 15: freeze-snapshot backup mode (pg_backup_start) unavailable');
      if (f.in_recovery && f.hot_standby_feedback !== 'on') {
        limitations.push(
          'standby without hot_standby_feedback: long dumps may be cancelled by recovery conflicts (retryable)',
        );
      }
      if (f.wal_level === 'minimal') limitations.push('wal_level=minimal: no standbys possible');
      return {
        version: f.version.split(' ')[0] ?? f.version,
        role: f.in_recovery ? 'replica' : replicas.length > 0 ? 'primary' : 'standalone',
        ...(f.lag === null ? {} : { lagSeconds: Math.max(0, f.lag) }),
        replicas,
        databases,
        privileges,
        limitations,
      } satisfies ProbeResult;
    } catch (error) {
      throw adapterError(workload, 'probe failed', error);
    }
  });
}
