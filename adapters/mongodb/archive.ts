/**
 * Artifact names and the catalog of a MongoDB capture (documented in FORMAT.md). Names are
 * derived from database and collection names with `encodeURIComponent`, so any name maps
 * to one flat, unique artifact name; the catalog keeps the real names. Pure.
 */
import { BSON, type Document } from 'mongodb';
import type { Fingerprint, Marker } from '../../engine/model/index.ts';

export const FORMAT = 'lifeboat-mongodb/1';
export const CATALOG_ARTIFACT = 'lifeboat-mongodb.json';

/** Concatenated raw BSON documents of one collection. */
export function dataArtifact(db: string, collection: string): string {
  return `data/${encodeURIComponent(db)}/${encodeURIComponent(collection)}.bson`;
}

/** Users of one database as `usersInfo` returned them (no credentials). */
export function usersArtifact(db: string): string {
  return `users/${encodeURIComponent(db)}.json`;
}

/** One index as `listIndexes` returned it, minus `v`/`ns` (server-chosen). */
export type IndexSpec = Readonly<Document> & { readonly name: string; readonly key: Readonly<Document> };

/** One collection or view. */
export interface CollectionEntry {
  readonly name: string;
  readonly type: 'collection' | 'view' | 'timeseries';
  /** `listCollections` options verbatim: capped/size/max, validator, collation, viewOn/pipeline, … */
  readonly options: Readonly<Document>;
  /** Secondary indexes (the `_id_` index is implicit). Empty for views. */
  readonly indexes: readonly IndexSpec[];
  /** Data artifact; absent for views. */
  readonly artifact?: string;
  readonly documents: number;
  readonly bytes: number;
}

export interface DatabaseEntry {
  readonly name: string;
  readonly collections: readonly CollectionEntry[];
  /** Artifact with the database's users, when they could be read. */
  readonly users?: string;
}

/** What `load` needs to replay a capture; written last as `lifeboat-mongodb.json`. */
export interface MongoCatalog {
  readonly format: typeof FORMAT;
  /** Server version (`buildInfo.version`) and, on FerretDB, its own version. */
  readonly server: { readonly version: string; readonly ferretdb?: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  /** What the capture guarantees, in words (see README.md). */
  readonly guarantee: string;
  readonly markers: readonly Marker[];
  readonly databases: readonly DatabaseEntry[];
  readonly fingerprint: Fingerprint;
  /** What was not captured and why (users not readable, …). */
  readonly notes: readonly string[];
}

/** Fingerprint key of a collection. */
export function collectionKey(db: string, collection: string): string {
  return `${db}.${collection}`;
}

/** The catalog as stored: Extended JSON (relaxed), so BSON values in options survive. */
export function renderCatalog(catalog: MongoCatalog): string {
  return BSON.EJSON.stringify(catalog, undefined, 2, { relaxed: true });
}

/** Parse and check a catalog artifact's text. */
export function parseCatalog(text: string): MongoCatalog {
  const value = BSON.EJSON.parse(text, { relaxed: true }) as Partial<MongoCatalog>;
  if (value.format !== FORMAT) {
    throw new Error(
      `unsupported MongoDB capture format ${JSON.stringify(value.format)} (expected ${FORMAT})`,
    );
  }
  if (!Array.isArray(value.databases)) throw new Error('MongoDB capture catalog has no databases list');
  return value as MongoCatalog;
}
