/**
 * `load`: replays a capture into the original or renamed databases. Refuses a target
 * collection (or view) that already holds data unless `force` (then drops and recreates
 * it); creates collections with their captured options, inserts the documents in
 * unordered batches with bounded concurrency, builds the secondary indexes after the data
 * (faster, as mongorestore does), then creates views. Stops at the first error: a failed
 * restore never reports success.
 */
import { BSON, type Document, type MongoClient } from 'mongodb';
import { Readable } from 'node:stream';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { ArtifactSource, ProgressSink, RestoreOptions } from '../types.ts';
import { CATALOG_ARTIFACT, parseCatalog, type CollectionEntry, type MongoCatalog } from './archive.ts';
import { bsonDocuments } from './bson-frames.ts';
import { connect, resolveTarget } from './connect.ts';
import { adapterError, type ErrorSite } from './errors.ts';
import { pipelined } from './_pipelined.ts';
import { runPool } from './_pool.ts';
import { throwIfCancelled } from './dump.ts';
import { readServerInfo } from './server-info.ts';

/** Documents per insert batch, and bytes per batch (well under the 48 MB message limit). */
const BATCH_DOCS = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;
/**
 * Insert batches in flight per collection on a MongoDB server. The next batch is always
 * read and decoded while the current ones are in flight (`insertAll`), so one more in
 * flight only adds server-side concurrency. FerretDB on SQLite has one writer per database
 * file, so on FerretDB one batch at a time and one collection at a time: concurrent inserts
 * only contend there (measured: 2 collections x 2 batches restored 134 MB in 110 s where a
 * single insertMany stream took 49 s; 15 000 documents, 1 batch in flight 5.9/6.1 s,
 * 2 in flight 7.5/7.1 s at the same server CPU).
 */
const BATCHES_IN_FLIGHT = 2;
const BATCHES_IN_FLIGHT_FERRETDB = 1;

/**
 * Decode keeping every BSON type as it was (Int32/Double/Long wrappers, BSONRegExp, no
 * UTF-8 check), so re-encoding yields the same bytes and the fingerprint matches.
 */
const DECODE = {
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
  bsonRegExp: true,
  validation: { utf8: false },
} as const;

async function readText(source: ArtifactSource, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source.open(name)) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts).toString('utf8');
}

/** Read the capture's catalog from `source`. */
export async function readCatalog(source: ArtifactSource): Promise<MongoCatalog> {
  const names = await source.list();
  if (!names.includes(CATALOG_ARTIFACT)) {
    throw new AdapterError(
      'mongodb',
      `mongodb load: the backup has no ${CATALOG_ARTIFACT} (not a MongoDB capture, or incomplete)`,
    );
  }
  try {
    return parseCatalog(await readText(source, CATALOG_ARTIFACT));
  } catch (error) {
    throw new AdapterError('mongodb', `mongodb load: ${CATALOG_ARTIFACT}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

interface Planned {
  readonly from: string;
  readonly db: string;
  readonly entry: CollectionEntry;
}

/** Collections of the target that would be overwritten: holding documents, or views. */
async function conflicts(
  client: MongoClient,
  plan: readonly Planned[],
): Promise<{ existing: Planned[]; nonEmpty: string[] }> {
  const existing: Planned[] = [];
  const nonEmpty: string[] = [];
  const byDb = new Map<string, Map<string, string>>();
  for (const p of plan) {
    let names = byDb.get(p.db);
    if (names === undefined) {
      const listed = await client.db(p.db).listCollections({}, { nameOnly: false }).toArray();
      names = new Map(listed.map((c) => [c.name, c.type ?? 'collection']));
      byDb.set(p.db, names);
    }
    const type = names.get(p.entry.name);
    if (type === undefined) continue;
    existing.push(p);
    const full =
      type === 'view' ||
      (await client
        .db(p.db)
        .collection(p.entry.name)
        .findOne({}, { projection: { _id: 1 } })) !== null;
    if (full) nonEmpty.push(`${p.db}.${p.entry.name}`);
  }
  return { existing, nonEmpty };
}

interface Batch {
  readonly docs: Document[];
  readonly bytes: number;
}

/** Stream one data artifact into `db.collection` in batches. */
async function loadData(
  client: MongoClient,
  source: ArtifactSource,
  p: Planned,
  artifact: string,
  progress: ProgressSink,
  signal: AbortSignal,
  inFlight: number,
): Promise<void> {
  async function* batches(): AsyncGenerator<Batch> {
    let docs: Document[] = [];
    let bytes = 0;
    for await (const doc of bsonDocuments(source.open(artifact) as Readable & AsyncIterable<Uint8Array>)) {
      if (signal.aborted) throw new CancelledError(`mongodb load of ${p.db}.${p.entry.name} cancelled`);
      docs.push(BSON.deserialize(doc, DECODE));
      bytes += doc.length;
      if (docs.length >= BATCH_DOCS || bytes >= BATCH_BYTES) {
        yield { docs, bytes };
        docs = [];
        bytes = 0;
      }
    }
    if (docs.length > 0) yield { docs, bytes };
  }
  const collection = client.db(p.db).collection(p.entry.name);
  await pipelined(batches(), inFlight, async (b) => {
    await collection.insertMany(b.docs, { ordered: false, checkKeys: false, forceServerObjectId: false });
    progress.bytes(b.bytes);
    progress.rows(b.docs.length);
  });
}

function createCommand(entry: CollectionEntry): Document {
  return { create: entry.name, ...entry.options };
}

/** Load the capture in `source` into `target`, renaming databases per `options.rename`. */
export async function load(target: Workload, source: ArtifactSource, options: RestoreOptions): Promise<void> {
  options.signal.throwIfAborted();
  const catalog = await readCatalog(source);
  const plan: Planned[] = catalog.databases.flatMap((d) =>
    d.collections.map((entry) => ({ from: d.name, db: options.rename[d.name] ?? d.name, entry })),
  );
  const parallelism = Math.max(1, options.parallelism);
  const t = resolveTarget(target);
  const site: ErrorSite = t.site;
  const client = await connect(t, { signal: options.signal, poolSize: parallelism * BATCHES_IN_FLIGHT + 1 });
  let step = 'check targets';
  try {
    const info = await readServerInfo(client, site);
    const inFlight = info.ferretdb === undefined ? BATCHES_IN_FLIGHT : BATCHES_IN_FLIGHT_FERRETDB;
    const collectionsInParallel = info.ferretdb === undefined ? parallelism : 1;
    const { existing, nonEmpty } = await conflicts(client, plan);
    if (nonEmpty.length > 0 && !options.force) {
      const shown =
        nonEmpty.slice(0, 5).join(', ') + (nonEmpty.length > 5 ? `, … (${nonEmpty.length} in all)` : '');
      throw new AdapterError(
        'mongodb',
        `mongodb load on ${site.server}: target collections are not empty: ${shown}; restore into other databases (rename) or use --force to drop and recreate them`,
        { workload: target.name, retryable: false },
      );
    }
    for (const p of existing) {
      step = `drop ${p.db}.${p.entry.name}`;
      await client.db(p.db).collection(p.entry.name).drop();
    }
    options.progress.estimate({
      bytes: plan.reduce((s, p) => s + p.entry.bytes, 0),
      rows: plan.reduce((s, p) => s + p.entry.documents, 0),
    });
    const stored = plan.filter((p) => p.entry.type !== 'view');
    for (const p of stored) {
      step = `create collection ${p.db}.${p.entry.name}`;
      await client.db(p.db).command(createCommand(p.entry));
    }
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    await runPool(
      stored,
      collectionsInParallel,
      async (p) => {
        const what = `load ${p.db}.${p.entry.name}`;
        try {
          if (p.entry.artifact !== undefined)
            await loadData(client, source, p, p.entry.artifact, options.progress, signal, inFlight);
          if (p.entry.indexes.length > 0) {
            await client.db(p.db).command({ createIndexes: p.entry.name, indexes: p.entry.indexes });
          }
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          throw adapterError(what, site, error, false);
        }
      },
      (error) => {
        stop.abort(error);
      },
    );
    throwIfCancelled(options.signal, 'mongodb load cancelled');
    for (const p of plan.filter((x) => x.entry.type === 'view')) {
      step = `create view ${p.db}.${p.entry.name}`;
      await client.db(p.db).command(createCommand(p.entry));
    }
  } catch (error) {
    if (error instanceof AdapterError || error instanceof CancelledError) throw error;
    throw adapterError(`load (${step})`, site, error, false);
  } finally {
    await client.close().catch(() => undefined);
  }
}
