/**
 * What the server says about itself (`buildInfo`, `hello`) and what follows from it:
 * topology, FerretDB or MongoDB, and which Lifeboat features it cannot support.
 * `readServerInfo` does I/O; the rest is pure.
 */
import type { Document, MongoClient } from 'mongodb';
import { adapterError, type ErrorSite } from './errors.ts';

export interface ServerInfo {
  /** The MongoDB version the server reports (FerretDB claims one too). */
  readonly version: string;
  /** FerretDB's own version when the server is FerretDB. */
  readonly ferretdb?: string;
  readonly hello: Document;
}

export async function readServerInfo(client: MongoClient, site: ErrorSite): Promise<ServerInfo> {
  try {
    const admin = client.db('admin');
    const build = await admin.command({ buildInfo: 1 });
    const hello = await admin.command({ hello: 1 });
    const ferret =
      typeof build.ferretdbVersion === 'string' ? build.ferretdbVersion.replace(/^v/, '') : undefined;
    return { version: String(build.version), ...(ferret === undefined ? {} : { ferretdb: ferret }), hello };
  } catch (error) {
    throw adapterError('read server info', site, error);
  }
}

export type Topology =
  | { readonly kind: 'standalone' }
  | { readonly kind: 'mongos' }
  | {
      readonly kind: 'replicaSet';
      readonly setName: string;
      readonly role: 'primary' | 'secondary' | 'other';
      readonly hidden: boolean;
      readonly primary: string | undefined;
      /** Electable and passive members as `host:port` (hidden members are not listed by hello). */
      readonly members: readonly string[];
    };

/** Classify the server from its `hello` reply. */
export function topologyOf(hello: Document): Topology {
  if (hello.msg === 'isdbgrid') return { kind: 'mongos' };
  if (typeof hello.setName !== 'string') return { kind: 'standalone' };
  const list = (k: string): string[] => (Array.isArray(hello[k]) ? (hello[k] as unknown[]).map(String) : []);
  return {
    kind: 'replicaSet',
    setName: hello.setName,
    role: hello.isWritablePrimary === true ? 'primary' : hello.secondary === true ? 'secondary' : 'other',
    hidden: hello.hidden === true,
    primary: typeof hello.primary === 'string' ? hello.primary : undefined,
    members: [...list('hosts'), ...list('passives')],
  };
}

/** Features the server lacks that the adapter would otherwise use, each with why. */
export function limitationsOf(info: ServerInfo): string[] {
  const out: string[] = [];
  const topology = topologyOf(info.hello);
  if (info.ferretdb !== undefined) {
    out.push(
      `server is FerretDB ${info.ferretdb} (claims MongoDB ${info.version}): no fsyncLock freeze, no sessions/snapshot reads, no collMod, no views/validators/collation/TTL or partial indexes; Decimal128, NaN, ±Infinity, MinKey/MaxKey, JavaScript code and nested arrays are refused`,
    );
  }
  if (topology.kind !== 'replicaSet') {
    out.push(
      `${topology.kind} server, not a replica set: no oplog, so no point-in-time capture (--oplog) and no cluster-time marker; no secondary for the replica strategy; no snapshot read concern`,
    );
  }
  return out;
}

/** True when the server can serve `readConcern: snapshot` reads (replica set or mongos on MongoDB ≥ 5). */
export function supportsSnapshotReads(info: ServerInfo): boolean {
  if (info.ferretdb !== undefined) return false;
  const kind = topologyOf(info.hello).kind;
  const wire = typeof info.hello.maxWireVersion === 'number' ? info.hello.maxWireVersion : 0;
  return kind !== 'standalone' && wire >= 13;
}
