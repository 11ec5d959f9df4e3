/** `probe`: version, topology, replicas and lag, databases, privileges and limitations. */
import type { Document } from 'mongodb';
import type { Workload } from '../../engine/model/index.ts';
import type { ProbeResult } from '../types.ts';
import { listDatabases } from './catalog.ts';
import { resolveTarget, withClient } from './connect.ts';
import { limitationsOf, readServerInfo, topologyOf } from './server-info.ts';
import { memberLags } from './replica.ts';

/** Privileges that matter for a capture, from `connectionStatus` (names of actions and roles). */
export function privilegesOf(status: Document): string[] {
  const out = new Set<string>();
  const auth = (status.authInfo ?? {}) as Document;
  for (const r of (auth.authenticatedUserRoles ?? []) as Document[])
    out.add(`role:${String(r.role)}@${String(r.db)}`);
  for (const p of (auth.authenticatedUserPrivileges ?? []) as Document[]) {
    for (const a of (p.actions ?? []) as unknown[]) {
      if (
        ['find', 'insert', 'fsync', 'unlock', 'viewUser', 'replSetGetStatus', 'listDatabases'].includes(
          String(a),
        )
      ) {
        out.add(String(a));
      }
    }
  }
  return [...out].sort();
}

function splitHost(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  return i < 0
    ? { host: hostPort, port: 27017 }
    : { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) };
}

/** Probe the workload's primary endpoint. Fails fast (AdapterError) on bad credentials. */
export async function probe(workload: Workload, signal: AbortSignal): Promise<ProbeResult> {
  const target = resolveTarget(workload);
  return withClient(target, { signal }, async (client) => {
    const info = await readServerInfo(client, target.site);
    const topology = topologyOf(info.hello);
    const status = await client.db('admin').command({ connectionStatus: 1, showPrivileges: true });
    const databases = await listDatabases(client, target.site, workload.databases);
    let replicas: ProbeResult['replicas'] = [];
    let lagSeconds: number | undefined;
    if (topology.kind === 'replicaSet') {
      const lags = await memberLags(client).catch(() => new Map<string, number>());
      replicas = topology.members
        .filter((m) => m !== topology.primary)
        .map((m) => {
          const lag = lags.get(m);
          return { ...splitHost(m), ...(lag === undefined ? {} : { lagSeconds: lag }) };
        });
      const me = typeof info.hello.me === 'string' ? info.hello.me : undefined;
      if (topology.role === 'secondary' && me !== undefined) lagSeconds = lags.get(me);
    }
    return {
      version:
        info.ferretdb === undefined
          ? info.version
          : `FerretDB ${info.ferretdb} (MongoDB ${info.version} wire)`,
      role:
        topology.kind === 'replicaSet' ? (topology.role === 'primary' ? 'primary' : 'replica') : 'standalone',
      ...(lagSeconds === undefined ? {} : { lagSeconds }),
      replicas,
      databases,
      privileges: privilegesOf(status),
      limitations: limitationsOf(info),
      // In a cross-service cut this member is read inside the other members' fence window
      // (no server gets a pinned snapshot from this adapter yet: pin-snapshot.ts). It is not
      // fenced itself: FerretDB has no fsync command, and MongoDB's fsyncLock is not bound to
      // a session, so a Lifeboat killed while holding it would leave the server refusing
      // writes (the cut requires every fence to go with its holder's sessions).
      allows: { fence: false, pinSnapshot: false },
    };
  });
}
