/** Artifact names and the catalog of a `snapshot` capture (FORMAT.md, "Snapshot captures"). */

export const SNAPSHOT_CATALOG_FORMAT = 'lifeboat-cassandra-snapshot/1';

const enc = encodeURIComponent;

/** One file of a table's snapshot, named as the node named it. */
export function sstableArtifact(keyspace: string, table: string, file: string): string {
  return `sstables/${enc(keyspace)}/${enc(table)}/${enc(file)}`;
}

export interface SnapshotCatalogKeyspace {
  readonly name: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly views: readonly string[];
  readonly tables: readonly {
    readonly name: string;
    readonly files: readonly { readonly name: string; readonly artifact: string; readonly bytes: number }[];
  }[];
}

export interface SnapshotCatalog {
  readonly format: typeof SNAPSHOT_CATALOG_FORMAT;
  readonly server: string;
  readonly partitioner: string;
  /** The node the snapshot was taken on. */
  readonly node: string;
  readonly tag: string;
  readonly takenAt: string;
  readonly keyspaces: readonly SnapshotCatalogKeyspace[];
}

/** The catalog when `text` is a snapshot capture's, else undefined (a logical capture). */
export function snapshotCatalog(text: string): SnapshotCatalog | undefined {
  const parsed = JSON.parse(text) as { format?: unknown };
  return parsed.format === SNAPSHOT_CATALOG_FORMAT ? (parsed as SnapshotCatalog) : undefined;
}
