/**
 * The member's table of contents, written as the last artifact (`catalog.json`) of a
 * capture: which databases, their schema dumps, every table's data artifact with its
 * columns and fingerprint, sequence positions and materialized views to refresh.
 * Load reads it first and validates it.
 */
import { z } from 'zod';

export const CATALOG_ARTIFACT = 'catalog.json';
export const CATALOG_FORMAT = 'lifeboat-postgres-copy/1';

const tableEntry = z.object({
  schema: z.string(),
  name: z.string(),
  columns: z.array(z.string()),
  artifact: z.string(),
  rows: z.number().int().nonnegative(),
  hash: z.string(),
  bytes: z.number().int().nonnegative(),
});

const databaseEntry = z.object({
  name: z.string(),
  encoding: z.string(),
  collate: z.string(),
  ctype: z.string(),
  schemaArtifact: z.string(),
  /** pg_dump custom-format archive of the large objects, when there are any. */
  largeObjectsArtifact: z.string().nullable().default(null),
  tables: z.array(tableEntry),
  sequences: z.array(
    z.object({ schema: z.string(), name: z.string(), lastValue: z.string(), isCalled: z.boolean() }),
  ),
  matviews: z.array(z.object({ schema: z.string(), name: z.string() })),
  /** Tables whose rows were not captured, with why (e.g. unlogged tables on a standby). */
  skipped: z.array(z.string()),
});

export const captureCatalogSchema = z.object({
  format: z.literal(CATALOG_FORMAT),
  serverVersion: z.string(),
  endpoint: z.enum(['primary', 'replica']),
  lsn: z.string(),
  globalsArtifact: z.string().nullable(),
  databases: z.array(databaseEntry),
});

export type CaptureCatalog = z.infer<typeof captureCatalogSchema>;
export type CatalogDatabase = z.infer<typeof databaseEntry>;
export type CatalogTable = z.infer<typeof tableEntry>;

/** Artifact names: indexes, not identifiers, so any table name is safe. */
export function schemaArtifactName(dbIndex: number): string {
  return `db${dbIndex}/schema.pgdump`;
}
export function largeObjectsArtifactName(dbIndex: number): string {
  return `db${dbIndex}/large-objects.pgdump`;
}
export function dataArtifactName(dbIndex: number, tableIndex: number): string {
  return `db${dbIndex}/data/${tableIndex}.copy`;
}
export const GLOBALS_ARTIFACT = 'globals.sql';
