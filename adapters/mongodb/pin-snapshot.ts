/**
 * `pinSnapshot`. MongoDB could pin a point in time with `readConcern: snapshot` and
 * `atClusterTime` on a replica set; that path is not implemented (no replica-set test
 * server to prove it), so this adapter detects what the server supports and always
 * refuses with a clear, non-retryable AdapterError. The probe says so (`allows`), and an
 * application-consistent cut then reads this member whole inside the other members' fence
 * window (`causal-in-window`, engine/planner/plan-cut.ts); alone it gets the per-collection
 * guarantee of `dump` (`unpinned`).
 */
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { PinnedSnapshot } from '../types.ts';
import { resolveTarget, withClient } from './connect.ts';
import { readServerInfo, supportsSnapshotReads, topologyOf } from './server-info.ts';

export async function pinSnapshot(workload: Workload, signal: AbortSignal): Promise<PinnedSnapshot> {
  const target = resolveTarget(workload);
  const reason = await withClient(target, { signal }, async (client) => {
    const info = await readServerInfo(client, target.site);
    if (info.ferretdb !== undefined) {
      return `FerretDB ${info.ferretdb} has no sessions or snapshot read concern`;
    }
    if (!supportsSnapshotReads(info)) {
      return `a ${topologyOf(info.hello).kind} server has no snapshot read concern (it needs a replica set, MongoDB ≥ 5.0)`;
    }
    return 'pinning a snapshot (readConcern snapshot at a cluster time) is not implemented by this adapter yet';
  });
  throw new AdapterError('mongodb', `mongodb pinSnapshot on ${target.site.server}: ${reason}`, {
    workload: workload.name,
    retryable: false,
  });
}
