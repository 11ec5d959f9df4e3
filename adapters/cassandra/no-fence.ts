/**
 * Cassandra has no server-wide write fence and no snapshot a reader can pin: writes go
 * to any replica at any time, and `nodetool snapshot` is per node, of flushed SSTables,
 * not a cut across nodes. `freeze` therefore refuses with a non-retryable AdapterError,
 * and the capabilities claim no pinned snapshot (the `snapshot` strategy's node snapshot
 * is not one a cut may rely on), so the engine records a "best effort, per-node, no global
 * cut" guarantee for a Cassandra member (placing it last in a cross-service cut does not
 * make it consistent: its own capture spans time).
 */
import type { Workload } from '../../engine/model/index.ts';
import { AdapterError } from '../../engine/errors.ts';
import type { Fence } from '../types.ts';

/** Reason text shared by both refusals and the probe's limitations. */
export const NO_FENCE = 'Cassandra has no global write fence (writes are accepted by every replica)';
export const NO_SNAPSHOT =
  'Cassandra has no cluster-wide read snapshot (a logical dump reads each token range at its own time; the snapshot strategy snapshots one node; per-node, no global cut)';

export function freeze(workload: Workload): Promise<Fence> {
  return Promise.reject(
    new AdapterError('cassandra', `cassandra freeze is not possible: ${NO_FENCE}`, {
      workload: workload.name,
      retryable: false,
    }),
  );
}
