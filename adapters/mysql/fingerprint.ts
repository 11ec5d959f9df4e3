/**
 * Live fingerprint (drills, verification after restore): every table read once inside a
 * consistent snapshot, with exactly the row encoding the dump hashes (`tableStatements`).
 */
import type { Fingerprint, TableFingerprint, Workload } from '../../engine/model/index.ts';
import { listDatabases, readDatabase } from './catalog.ts';
import { resolveTarget } from './connect.ts';
import { pinSnapshotSession } from './pin-snapshot.ts';
import { loadRowHash, TableHasher } from './row-hash.ts';
import { tableStatements } from './table-stream.ts';

/** Fingerprint `databases` (default: the workload's, or all user databases) on the primary. */
export async function fingerprint(
  workload: Workload,
  options: { databases?: readonly string[]; signal: AbortSignal },
): Promise<Fingerprint> {
  const target = resolveTarget(workload, 'primary');
  const session = await pinSnapshotSession(target, {
    connections: 1,
    replica: false,
    signal: options.signal,
  });
  try {
    const conn = session.connections[0];
    if (conn === undefined) return {};
    const rowHash = await loadRowHash();
    const out: Record<string, TableFingerprint> = {};
    for (const db of await listDatabases(conn, target, options.databases ?? workload.databases)) {
      const info = await readDatabase(conn, target, db);
      for (const table of info.tables) {
        const hasher = new TableHasher(rowHash);
        for await (const _chunk of tableStatements(conn, target, db, table, hasher, {
          signal: options.signal,
        })) {
          // Only the hash is wanted; the statements are dropped as they come.
        }
        out[`${db}.${table.name}`] = hasher.result();
      }
    }
    return out;
  } finally {
    await session.release();
  }
}
