/**
 * `fingerprint`: the live fingerprint of collections, read as raw BSON and hashed exactly
 * as `dump` hashes the documents it writes (see doc-hash.ts), so a restored copy compares
 * equal to its capture.
 */
import type { MongoClient } from 'mongodb';
import { CancelledError } from '../../engine/errors.ts';
import type { Fingerprint, TableFingerprint, Workload } from '../../engine/model/index.ts';
import { collectionKey } from './archive.ts';
import { listCollections, listDatabases } from './catalog.ts';
import { connect, resolveTarget } from './connect.ts';
import { CollectionHasher, loadDocHash } from './doc-hash.ts';
import { CURSOR_BATCH } from './collection-stream.ts';
import { adapterError, type ErrorSite } from './errors.ts';
import { runPool } from './_pool.ts';

/** Collections hashed in parallel. */
const PARALLEL = 2;

async function hashCollection(
  client: MongoClient,
  site: ErrorSite,
  db: string,
  name: string,
  hasher: CollectionHasher,
  signal: AbortSignal,
): Promise<TableFingerprint> {
  const cursor = client
    .db(db)
    .collection(name)
    .find({}, { raw: true, enableUtf8Validation: false, batchSize: CURSOR_BATCH });
  try {
    for await (const raw of cursor) {
      if (signal.aborted) throw new CancelledError(`mongodb fingerprint of ${db}.${name} cancelled`);
      hasher.add(raw as unknown as Buffer);
    }
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    throw adapterError(`fingerprint ${db}.${name}`, site, error);
  } finally {
    await cursor.close().catch(() => undefined);
  }
  return hasher.result();
}

/** Fingerprint `databases` (default: the workload's, or all user databases) on the primary. */
export async function fingerprint(
  workload: Workload,
  options: { databases?: readonly string[]; signal: AbortSignal },
): Promise<Fingerprint> {
  const hash = await loadDocHash();
  const target = resolveTarget(workload);
  const client = await connect(target, { signal: options.signal, poolSize: PARALLEL + 1 });
  try {
    const dbs = await listDatabases(client, target.site, options.databases ?? workload.databases);
    const jobs: { db: string; name: string }[] = [];
    for (const db of dbs) {
      for (const c of await listCollections(client, target.site, db)) {
        if (c.type !== 'view') jobs.push({ db, name: c.name });
      }
    }
    const out: Record<string, TableFingerprint> = {};
    await runPool(jobs, PARALLEL, async ({ db, name }) => {
      out[collectionKey(db, name)] = await hashCollection(
        client,
        target.site,
        db,
        name,
        new CollectionHasher(hash),
        options.signal,
      );
    });
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  } finally {
    await client.close().catch(() => undefined);
  }
}
