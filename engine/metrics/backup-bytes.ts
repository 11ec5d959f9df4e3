/**
 * Bytes a backup captured, per database (pure). Artifacts that belong to one database
 * carry it in their meta (`database`, or `keyspace` for Cassandra); server-level ones
 * (globals, catalogs, users) count for their member as a whole. Label values are
 * `<member>/<database>` or `<member>`, so two members with a database of the same name
 * (e.g. `orders` on PostgreSQL and on MariaDB) stay apart.
 */
import type { Manifest } from '../repository/index.ts';

export interface DatabaseBytes {
  readonly database: string;
  readonly bytes: number;
}

export function bytesByDatabase(manifest: Manifest): DatabaseBytes[] {
  const totals = new Map<string, number>();
  for (const artifact of manifest.artifacts) {
    const db = artifact.meta.database ?? artifact.meta.keyspace;
    const key = db === undefined ? artifact.member : `${artifact.member}/${db}`;
    totals.set(key, (totals.get(key) ?? 0) + artifact.bytes);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([database, bytes]) => ({ database, bytes }));
}

/** The write stall of the backup's cut in milliseconds, when it had one. */
export function freezeWindowMs(manifest: Manifest): number | undefined {
  for (const member of manifest.members) {
    const value = member.details.fenceWindowMs;
    if (value !== undefined && Number.isFinite(Number(value))) return Number(value);
  }
  return undefined;
}
