/**
 * Live fingerprint (drills, verification after restore): every table scanned by the
 * same token-range splits and hashed with exactly the row encoding the dump uses.
 * Like the dump it sees each range as it is when read: there is no snapshot to pin.
 */
import type { Fingerprint, TableFingerprint, Workload } from '../../engine/model/index.ts';
import { listKeyspaces, readKeyspace } from './catalog.ts';
import { withClient, resolveTarget } from './connect.ts';
import { MURMUR3, serverInfo, splitRanges, SPLITS_PER_STREAM } from './dump.ts';
import { loadHash, RowSum } from './row-hash.ts';
import { firstPages, interleave, ScanStats, TableScan } from './scan.ts';
import type { TokenSplit } from './token-splits.ts';

/** Streams a live fingerprint reads with. */
export const FINGERPRINT_STREAMS = 2;

/** Fingerprint `databases` (keyspaces; default: the workload's, or all user keyspaces). */
export async function fingerprint(
  workload: Workload,
  options: { databases?: readonly string[]; signal: AbortSignal },
): Promise<Fingerprint> {
  const target = resolveTarget(workload);
  return withClient(
    target,
    options.signal,
    async (client) => {
      const server = await serverInfo(client, target);
      const hash = await loadHash();
      const splits: (TokenSplit | undefined)[][] =
        server.partitioner === MURMUR3 ? splitRanges(FINGERPRINT_STREAMS * SPLITS_PER_STREAM) : [[undefined]];
      const out: Record<string, TableFingerprint> = {};
      for (const name of await listKeyspaces(client, target, options.databases ?? workload.databases)) {
        const ks = await readKeyspace(client, target, name);
        for (const table of ks.tables) {
          const sum = new RowSum();
          let next = 0;
          await Promise.all(
            Array.from({ length: FINGERPRINT_STREAMS }, async () => {
              for (let i = next++; i < splits.length; i = next++) {
                const ranges = splits[i] ?? [];
                const stats = new ScanStats();
                const scanOptions = { signal: options.signal, hash, stats, lines: false };
                const firsts = await firstPages(
                  ranges.map((range) => new TableScan(client, target, table, range, scanOptions)),
                );
                for await (const _chunk of interleave(firsts)) {
                  // Only the hash is wanted (no lines are kept).
                }
                sum.merge(stats.sum);
              }
            }),
          );
          out[`${name}.${table.name}`] = sum.result();
        }
      }
      return out;
    },
    FINGERPRINT_STREAMS,
  );
}
