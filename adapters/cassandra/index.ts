/**
 * The Cassandra adapter. Captures are driver-native logical dumps: `DESCRIBE KEYSPACE`
 * schema plus parallel token-range scans that keep every cell's write time and TTL,
 * stored as JSON lines (FORMAT.md) and fingerprinted on the way. Cassandra has no global
 * fence or pinned snapshot: see README.md for the guarantee it gets.
 */
import type { DatabaseAdapter } from '../types.ts';
import { dump } from './dump.ts';
import { fingerprint } from './fingerprint.ts';
import { load } from './load.ts';
import { freeze, pinSnapshot } from './no-fence.ts';
import { probe } from './probe.ts';

export const cassandraAdapter = {
  engine: 'cassandra',
  capabilities: { strategies: ['logical'], fence: false, pinSnapshot: false },
  probe,
  dump,
  load,
  freeze: (workload) => freeze(workload),
  pinSnapshot: (workload) => pinSnapshot(workload),
  fingerprint,
} satisfies DatabaseAdapter;

export { resolveTarget, DATACENTER_ANNOTATION, type CassandraTarget } from './connect.ts';
