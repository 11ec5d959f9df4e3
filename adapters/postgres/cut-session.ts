/**
 * The PostgreSQL side of a cross-service cut, opened before the first fence: the list of
 * databases, one fence session and one snapshot connection per database. In the window
 * only `LOCK TABLE … IN SHARE MODE` (per database) and `pg_export_snapshot()` run.
 */
import type pg from 'pg';
import type { Workload } from '../../engine/model/index.ts';
import type { CutSession, Fence, PinnedSnapshot } from '../types.ts';
import { connect, type ConnectionTarget } from './connection.ts';
import { freeze } from './freeze.ts';
import { pinSnapshotOn, resolveDatabases } from './snapshot.ts';

async function openPerDatabase(
  target: ConnectionTarget,
  databases: readonly string[],
  applicationName: string,
): Promise<Map<string, pg.Client>> {
  const clients = new Map<string, pg.Client>();
  try {
    await Promise.all(
      databases.map(async (database) => {
        clients.set(database, await connect(target, database, { applicationName }));
      }),
    );
    return clients;
  } catch (error) {
    await endAll(clients);
    throw error;
  }
}

async function endAll(clients: ReadonlyMap<string, pg.Client>): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.end().catch(() => undefined)));
}

export async function prepareCutSession(
  workload: Workload,
  snapshotTarget: ConnectionTarget,
  signal: AbortSignal,
): Promise<CutSession> {
  const fenceTarget: ConnectionTarget = { workload, endpoint: workload.primary };
  const databases = await resolveDatabases(fenceTarget);
  signal.throwIfAborted();
  const fenceSessions = await openPerDatabase(fenceTarget, databases, 'lifeboat-fence');
  let pinClients: Map<string, pg.Client>;
  try {
    pinClients = await openPerDatabase(snapshotTarget, databases, 'lifeboat-snapshot');
  } catch (error) {
    await endAll(fenceSessions);
    throw error;
  }
  let fenced = false;
  let pinned = false;
  return {
    freeze(options): Promise<Fence> {
      fenced = true;
      return freeze(workload, { ...options, prepared: { databases, sessions: fenceSessions } });
    },
    pinSnapshot(pinSignal): Promise<PinnedSnapshot> {
      pinned = true;
      return pinSnapshotOn(snapshotTarget, databases, pinSignal, pinClients);
    },
    async close() {
      if (!fenced) await endAll(fenceSessions);
      if (!pinned) await endAll(pinClients);
    },
  };
}
