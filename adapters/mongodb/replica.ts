/**
 * The replica strategy: pick a healthy secondary (hidden first, then lowest priority,
 * then least lag) whose lag is within a limit, and read from it alone, so the primary
 * serves no backup reads. `chooseSecondary` is pure; the rest does I/O.
 *
 * Only the refusal path (standalone server, FerretDB) is exercised by tests: the test
 * server has no replica sets. See README.md.
 */
import type { Document, MongoClient } from 'mongodb';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import { connect, resolveTarget, type MongoTarget } from './connect.ts';
import { adapterError } from './errors.ts';
import { readServerInfo, topologyOf } from './server-info.ts';

/** Default replication lag a secondary may have to be used for a backup. */
export const DEFAULT_MAX_LAG_SECONDS = 30;

export interface MemberState {
  /** `host:port` */
  readonly name: string;
  /** `PRIMARY`, `SECONDARY`, … from replSetGetStatus. */
  readonly state: string;
  readonly healthy: boolean;
  readonly hidden: boolean;
  readonly priority: number;
  readonly lagSeconds: number;
}

/**
 * The secondary to read from, or a reason why there is none. Prefers hidden members,
 * then the lowest priority, then the least lag; never the primary.
 */
export function chooseSecondary(
  members: readonly MemberState[],
  maxLagSeconds: number,
): { member: MemberState } | { reason: string } {
  const secondaries = members.filter((m) => m.state === 'SECONDARY' && m.healthy);
  if (secondaries.length === 0) return { reason: 'the replica set has no healthy secondary' };
  const fresh = secondaries.filter((m) => m.lagSeconds <= maxLagSeconds);
  if (fresh.length === 0) {
    const best = Math.min(...secondaries.map((m) => m.lagSeconds));
    return { reason: `every secondary lags more than ${maxLagSeconds}s (least: ${best}s)` };
  }
  const sorted = [...fresh].sort(
    (a, b) =>
      Number(b.hidden) - Number(a.hidden) ||
      a.priority - b.priority ||
      a.lagSeconds - b.lagSeconds ||
      a.name.localeCompare(b.name),
  );
  return { member: sorted[0] as MemberState };
}

function optimeSeconds(m: Document): number | undefined {
  const date: unknown = m.optimeDate;
  return date instanceof Date ? date.getTime() / 1000 : undefined;
}

/** Member states from `replSetGetStatus` joined with hidden/priority from `replSetGetConfig`. */
export async function memberStates(client: MongoClient): Promise<MemberState[]> {
  const admin = client.db('admin');
  const status = await admin.command({ replSetGetStatus: 1 });
  let config: Document[] = [];
  try {
    const reply = await admin.command({ replSetGetConfig: 1 });
    config = ((reply.config as Document | undefined)?.members ?? []) as Document[];
  } catch {
    config = []; // without the privilege: no hidden/priority preference, lag still checked
  }
  const members = (status.members ?? []) as Document[];
  const primary = members.find((m) => m.stateStr === 'PRIMARY');
  const head = primary ? optimeSeconds(primary) : Math.max(...members.map((m) => optimeSeconds(m) ?? 0));
  return members.map((m) => {
    const cfg = config.find((c) => c.host === m.name);
    const at = optimeSeconds(m);
    return {
      name: String(m.name),
      state: String(m.stateStr),
      healthy: m.health === 1,
      hidden: cfg?.hidden === true,
      priority: typeof cfg?.priority === 'number' ? cfg.priority : 1,
      lagSeconds: head === undefined || at === undefined ? Number.POSITIVE_INFINITY : Math.max(0, head - at),
    };
  });
}

/** Lag per member `host:port` (seconds behind the primary). */
export async function memberLags(client: MongoClient): Promise<Map<string, number>> {
  return new Map((await memberStates(client)).map((m) => [m.name, m.lagSeconds]));
}

/**
 * Connect to the secondary the replica strategy reads from. Throws a non-retryable
 * AdapterError when the server is not a replica set (standalone, FerretDB) or no
 * secondary qualifies.
 */
export async function connectToSecondary(
  workload: Workload,
  options: { maxLagSeconds?: number; signal?: AbortSignal; poolSize?: number },
): Promise<{ client: MongoClient; member: string }> {
  const seed = resolveTarget(workload, 'all');
  const probeClient = await connect(seed, {
    readPreference: 'primaryPreferred',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let member: MemberState;
  try {
    const info = await readServerInfo(probeClient, seed.site);
    const topology = topologyOf(info.hello);
    if (topology.kind !== 'replicaSet') {
      const what = info.ferretdb === undefined ? `a ${topology.kind} server` : `FerretDB ${info.ferretdb}`;
      throw new AdapterError(
        'mongodb',
        `mongodb replica strategy on ${seed.site.server}: ${what} has no replica set, so there is no secondary to read from; use the logical strategy`,
        { workload: workload.name, retryable: false },
      );
    }
    let states: MemberState[];
    try {
      states = await memberStates(probeClient);
    } catch (error) {
      throw adapterError('replSetGetStatus (replica strategy)', seed.site, error);
    }
    const choice = chooseSecondary(states, options.maxLagSeconds ?? DEFAULT_MAX_LAG_SECONDS);
    if ('reason' in choice) {
      throw new AdapterError('mongodb', `mongodb replica strategy on ${seed.site.server}: ${choice.reason}`, {
        workload: workload.name,
        retryable: true,
      });
    }
    member = choice.member;
  } finally {
    await probeClient.close().catch(() => undefined);
  }
  const i = member.name.lastIndexOf(':');
  const direct: MongoTarget = {
    ...seed,
    hosts: [{ host: member.name.slice(0, i), port: Number(member.name.slice(i + 1)) }],
    params: Object.fromEntries(Object.entries(seed.params).filter(([k]) => k !== 'replicaSet')),
  };
  const client = await connect(direct, {
    readPreference: 'secondaryPreferred',
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
  });
  return { client, member: member.name };
}
