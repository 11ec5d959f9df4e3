/**
 * Artifact names and the catalog format of a MySQL capture. Names are derived from
 * database and table names with `encodeURIComponent`, so any identifier (even with `/`)
 * maps to one flat, unique name; the catalog keeps the real names. Pure.
 */

export const CATALOG_ARTIFACT = 'lifeboat-mysql.json';
export const USERS_ARTIFACT = 'users.sql';
export const FORMAT = 'lifeboat-mysql/1';

/** A physical replica snapshot: the `mariabackup --stream=xbstream` output. */
export const DATADIR_ARTIFACT = 'datadir.xbstream';
/** Written last in a physical capture: what `restoreReplicaSnapshot` needs (`ReplicaSnapshotInfo`). */
export const REPLICA_SNAPSHOT_ARTIFACT = 'lifeboat-mysql-physical.json';
export const PHYSICAL_FORMAT = 'lifeboat-mysql-physical/1';

export function schemaArtifact(db: string): string {
  return `schema/${encodeURIComponent(db)}.sql`;
}
export function postArtifact(db: string): string {
  return `post/${encodeURIComponent(db)}.sql`;
}
/** A table's data file; `part` numbers the key ranges of a split table. */
export function dataArtifact(db: string, table: string, part?: number): string {
  const suffix = part === undefined ? '' : `.${String(part)}`;
  return `data/${encodeURIComponent(db)}/${encodeURIComponent(table)}${suffix}.sql`;
}

/** What `load` needs to replay a capture, written last as `lifeboat-mysql.json`. */
export interface MysqlCatalog {
  readonly format: typeof FORMAT;
  readonly server: string;
  readonly databases: readonly {
    readonly name: string;
    readonly charset: string;
    readonly collation: string;
    readonly schema: string;
    readonly post: string;
    readonly tables: readonly {
      readonly name: string;
      readonly rows: number;
      /** One data file, or one per key range of a split table (any order loads). */
      readonly artifacts: readonly { readonly name: string; readonly bytes: number }[];
    }[];
  }[];
  /** Accounts and grants (replayed by `load` only with `withUsers`). */
  readonly users?: string;
}

/** Parse and check a catalog; throws a plain Error naming what is wrong. */
export function parseCatalog(text: string): MysqlCatalog {
  const value = JSON.parse(text) as Partial<MysqlCatalog>;
  if (value.format !== FORMAT || !Array.isArray(value.databases)) {
    throw new Error(`not a ${FORMAT} catalog (format ${String(value.format)})`);
  }
  return value as MysqlCatalog;
}
