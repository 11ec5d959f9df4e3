/**
 * What one node reports: release version, cluster and data centre, peers
 * (`system.peers_v2`), user keyspaces, whether the login is a superuser (or its
 * permissions), and what Cassandra cannot give a capture.
 */
import type { Workload } from '../../engine/model/index.ts';
import type { ProbeResult } from '../types.ts';
import { listKeyspaces } from './catalog.ts';
import { resolveTarget, run, withClient } from './connect.ts';
import { serverInfo } from './dump.ts';
import { NO_FENCE, NO_SNAPSHOT } from './no-fence.ts';

export async function probe(workload: Workload, signal: AbortSignal): Promise<ProbeResult> {
  const target = resolveTarget(workload);
  return withClient(target, signal, async (client) => {
    const info = await serverInfo(client, target);
    const limitations = [NO_FENCE, NO_SNAPSHOT];
    const peers = await run(
      client,
      target,
      'read peers',
      'SELECT native_address, native_port, data_center FROM system.peers_v2',
    );
    const replicas = peers.rows.map((r) => ({
      host: String(r.get('native_address')),
      port: Number(r.get('native_port') ?? 9042),
    }));
    const privileges: string[] = [];
    const user = target.user;
    if (user !== undefined) {
      try {
        const rs = await run(
          client,
          target,
          'read role',
          'SELECT is_superuser FROM system_auth.roles WHERE role = ?',
          [user],
        );
        if (rs.rows[0]?.get('is_superuser') === true) privileges.push('superuser');
      } catch {
        limitations.push('cannot read system_auth.roles: superuser status unknown');
      }
      if (!privileges.includes('superuser')) {
        try {
          const rs = await run(
            client,
            target,
            'list permissions',
            `LIST ALL PERMISSIONS OF "${user.replaceAll('"', '""')}"`,
          );
          for (const r of rs.rows)
            privileges.push(`${String(r.get('permission')).toLowerCase()} ${String(r.get('resource'))}`);
        } catch {
          limitations.push('cannot list own permissions');
        }
      }
    }
    try {
      const mv = await run(
        client,
        target,
        'read settings',
        "SELECT value FROM system_views.settings WHERE name = 'materialized_views_enabled'",
      );
      if (String(mv.rows[0]?.get('value')) !== 'true')
        limitations.push('materialized views are disabled on this node (materialized_views_enabled: false)');
    } catch {
      // system_views is Cassandra 4+; older nodes simply do not say.
    }
    return {
      version: info.version,
      role: replicas.length > 0 ? 'primary' : 'standalone',
      replicas,
      databases: await listKeyspaces(client, target, []),
      privileges,
      limitations,
    };
  });
}
