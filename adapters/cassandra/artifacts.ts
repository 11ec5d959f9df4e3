/**
 * Artifact names and the catalog written last by a capture (see FORMAT.md). Names are
 * built from URI-encoded keyspace and table names, so any quoted identifier is safe.
 */
import { AdapterError } from '../../engine/errors.ts';
import type { ColumnSpec } from './table-spec.ts';

/** Version of the capture layout and line format. */
export const FORMAT = 'lifeboat-cassandra/1';
export const CATALOG_ARTIFACT = 'catalog.json';

const enc = encodeURIComponent;

/** cqlsh-loadable schema of one keyspace (for people and `export`; restore reads the catalog). */
export function schemaArtifact(keyspace: string): string {
  return `schema/${enc(keyspace)}.cql`;
}

/** Rows of one token-range split of a table. */
export function dataArtifact(keyspace: string, table: string, split: number): string {
  return `data/${enc(keyspace)}/${enc(table)}/${String(split).padStart(4, '0')}.jsonl`;
}

export interface CatalogTable {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly partitionKeys: number;
  readonly clusteringKeys: number;
  readonly counter: boolean;
  /** Data artifacts in split order (empty splits have none). */
  readonly artifacts: readonly string[];
  readonly rows: number;
}

export interface CatalogKeyspace {
  readonly name: string;
  /** CREATE statements run before the data (keyspace, types, functions, tables). */
  readonly before: readonly string[];
  /** CREATE statements run after the data (secondary indexes, materialized views). */
  readonly after: readonly string[];
  readonly tables: readonly CatalogTable[];
  /** Materialized views: schema only, rebuilt by the server from their base tables. */
  readonly views: readonly string[];
}

export interface CassandraCatalog {
  readonly format: string;
  readonly server: string;
  readonly partitioner: string;
  readonly keyspaces: readonly CatalogKeyspace[];
}

/** Parse and check a stored catalog. */
export function parseCatalog(text: string): CassandraCatalog {
  const catalog = JSON.parse(text) as CassandraCatalog;
  if (catalog.format !== FORMAT) {
    throw new AdapterError('cassandra', `cassandra capture format ${catalog.format} is not ${FORMAT}`);
  }
  return catalog;
}
