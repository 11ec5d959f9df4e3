/**
 * The Cassandra adapter. Logical captures are driver-native dumps: `DESCRIBE KEYSPACE`
 * schema plus parallel token-range scans that keep every cell's write time and TTL,
 * stored as JSON lines (FORMAT.md) and fingerprinted on the way. Snapshot captures stream
 * a node's `nodetool snapshot` files and restore them with `nodetool import`. Cassandra
 * has no global fence or cluster-wide snapshot: see README.md for the guarantee it gets.
 */
import type { DatabaseAdapter } from '../types.ts';
import { dump } from './dump.ts';
import { fingerprint } from './fingerprint.ts';
import { load } from './load.ts';
import { freeze } from './no-fence.ts';
import { probe } from './probe.ts';
import { pinSnapshot } from './snapshot.ts';

export const cassandraAdapter = {
  engine: 'cassandra',
  // pinSnapshot: false although `pinSnapshot` works: a node snapshot is no cluster-wide point
  // in time, so a cut must not rely on it; the `snapshot` strategy uses it (snapshot.ts).
  capabilities: { strategies: ['logical', 'snapshot'], fence: false, pinSnapshot: false },
  probe,
  dump,
  load,
  freeze: (workload) => freeze(workload),
  pinSnapshot,
  fingerprint,
} satisfies DatabaseAdapter;

export { resolveTarget, DATACENTER_ANNOTATION, type CassandraTarget } from './connect.ts';
