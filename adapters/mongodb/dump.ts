/**
 * The driver-native dump: every collection is read once with a raw-BSON cursor (no
 * decode/encode), streamed as concatenated documents into the sink and hashed on the way
 * (collection-stream.ts), so the fingerprint describes exactly the documents in the dump.
 * Collections run in parallel, largest first. The catalog (options, indexes, views, users,
 * fingerprint) is written last. Format: FORMAT.md.
 */
import { BSON, Timestamp, type Document } from 'mongodb';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { Fingerprint, Marker, TableFingerprint, Workload } from '../../engine/model/index.ts';
import type { ArtifactSink, CaptureOptions, CaptureResult } from '../types.ts';
import {
  CATALOG_ARTIFACT,
  FORMAT,
  collectionKey,
  dataArtifact,
  renderCatalog,
  usersArtifact,
  type CollectionEntry,
  type DatabaseEntry,
  type MongoCatalog,
} from './archive.ts';
import { listCollections, listDatabases, readUsers, type CollectionInfo } from './catalog.ts';
import { connect, resolveTarget } from './connect.ts';
import { collectionStream } from './collection-stream.ts';
import { CollectionHasher, loadDocHash, type DocHash } from './doc-hash.ts';
import type { ErrorSite } from './errors.ts';
import { runPool } from './_pool.ts';
import { connectToSecondary } from './replica.ts';
import { readServerInfo, topologyOf } from './server-info.ts';

/** What a capture promises, recorded in the catalog and the result details. */
export const GUARANTEE_PER_COLLECTION =
  'per-collection: each collection is read once by one cursor while writes may continue; the fingerprint describes exactly the documents dumped; not a point-in-time cut across collections (no oplog replay)';

async function* once(chunk: Buffer): AsyncGenerator<Buffer> {
  await Promise.resolve();
  yield chunk;
}

/** A marker from the cluster time a reply carries, when the server sends one. */
function timeMarker(kind: string, reply: Document): Marker | undefined {
  const t: unknown = reply.operationTime ?? (reply.$clusterTime as Document | undefined)?.clusterTime;
  return t instanceof Timestamp ? { kind, value: `${t.t}.${t.i}` } : undefined;
}

/** Throw CancelledError when `signal` has aborted (a function: narrowing cannot see aborts). */
export function throwIfCancelled(signal: AbortSignal, message: string, cause?: unknown): void {
  if (signal.aborted) throw new CancelledError(message, cause === undefined ? {} : { cause });
}

interface Job {
  readonly db: string;
  readonly info: CollectionInfo;
}

/** Capture `workload` (the primary for `logical`, a secondary for `replica`) into `sink`. */
export async function dump(
  workload: Workload,
  sink: ArtifactSink,
  options: CaptureOptions,
): Promise<CaptureResult> {
  if (options.strategy !== 'logical' && options.strategy !== 'replica') {
    throw new AdapterError('mongodb', `mongodb dump: strategy ${options.strategy} is not a logical dump`, {
      workload: workload.name,
    });
  }
  if (options.snapshot !== undefined) {
    throw new AdapterError(
      'mongodb',
      'mongodb dump: reading from a pinned snapshot is not supported by this adapter (pinSnapshot refuses; see README.md)',
      { workload: workload.name },
    );
  }
  options.signal.throwIfAborted();
  const hash: DocHash = await loadDocHash();
  const parallelism = Math.max(1, options.parallelism);
  const target = resolveTarget(workload, options.strategy === 'replica' ? 'all' : 'primary');
  const { client, member } =
    options.strategy === 'replica'
      ? await connectToSecondary(workload, { signal: options.signal, poolSize: parallelism + 1 })
      : {
          client: await connect(target, { signal: options.signal, poolSize: parallelism + 1 }),
          member: undefined,
        };
  const site: ErrorSite = member === undefined ? target.site : { ...target.site, server: member };
  const startedAt = new Date().toISOString();
  try {
    const info = await readServerInfo(client, site);
    const topology = topologyOf(info.hello);
    const startMarker = timeMarker('clusterTimeStart', info.hello);
    const names = await listDatabases(client, site, workload.databases);
    const listed = new Map<string, CollectionInfo[]>();
    for (const name of names) listed.set(name, await listCollections(client, site, name));

    const jobs: Job[] = [...listed].flatMap(([db, cs]) =>
      cs.filter((c) => c.type !== 'view').map((info) => ({ db, info })),
    );
    jobs.sort((a, b) => b.info.sizeEstimate - a.info.sizeEstimate);
    options.progress.estimate({ bytes: jobs.reduce((s, j) => s + j.info.sizeEstimate, 0) });

    const results = new Map<string, { fp: TableFingerprint; bytes: number; artifact: string }>();
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    await runPool(
      jobs,
      parallelism,
      async ({ db, info: c }) => {
        const hasher = new CollectionHasher(hash);
        const artifact = dataArtifact(db, c.name);
        let bytes: number;
        try {
          ({ bytes } = await sink.put(
            artifact,
            collectionStream(client, db, c.name, {
              hasher,
              progress: options.progress,
              signal,
              site,
              reusePieces: sink.consumesEachPiece === true,
            }),
            { database: db, collection: c.name, format: FORMAT },
          ));
        } catch (error) {
          // The sink wraps the stream's CancelledError in its own error: say what happened.
          throwIfCancelled(options.signal, 'mongodb dump cancelled', error);
          throw error;
        }
        results.set(collectionKey(db, c.name), { fp: hasher.result(), bytes, artifact });
      },
      (error) => {
        stop.abort(error);
      },
    );
    // An abort that came after the last document still fails the dump: never a catalog then.
    throwIfCancelled(options.signal, 'mongodb dump cancelled');

    const notes: string[] = [];
    const databases: DatabaseEntry[] = [];
    for (const [db, cs] of listed) {
      const users = await readUsers(client, db);
      let usersName: string | undefined;
      if ('users' in users) {
        if (users.users.length > 0) {
          usersName = usersArtifact(db);
          await sink.put(
            usersName,
            once(Buffer.from(BSON.EJSON.stringify(users.users, undefined, 2, { relaxed: true }))),
            {
              database: db,
            },
          );
        }
      } else {
        notes.push(users.reason);
      }
      const collections: CollectionEntry[] = cs.map((c) => {
        const r = results.get(collectionKey(db, c.name));
        return {
          name: c.name,
          type: c.type,
          options: c.options,
          indexes: c.indexes,
          ...(r === undefined ? {} : { artifact: r.artifact }),
          documents: r?.fp.rows ?? 0,
          bytes: r?.bytes ?? 0,
        };
      });
      databases.push({ name: db, collections, ...(usersName === undefined ? {} : { users: usersName }) });
    }
    if (databases.some((d) => d.users !== undefined)) {
      notes.push(
        'users are captured for reference (names, roles, mechanisms; no credentials) and not restored',
      );
    }

    const fingerprint: Fingerprint = Object.fromEntries(
      [...results].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.fp]),
    );
    throwIfCancelled(options.signal, 'mongodb dump cancelled');
    const end = await client.db('admin').command({ hello: 1 });
    const endMarker = timeMarker('clusterTimeEnd', end);
    const markers: Marker[] =
      startMarker === undefined && endMarker === undefined
        ? [
            {
              kind: 'none',
              value:
                topology.kind === 'replicaSet'
                  ? 'server returned no cluster time'
                  : `${info.ferretdb === undefined ? topology.kind : `FerretDB ${info.ferretdb}`}: no replica set, no oplog, no cluster time`,
            },
          ]
        : [startMarker, endMarker].filter((m): m is Marker => m !== undefined);
    const catalog: MongoCatalog = {
      format: FORMAT,
      server: { version: info.version, ...(info.ferretdb === undefined ? {} : { ferretdb: info.ferretdb }) },
      startedAt,
      finishedAt: new Date().toISOString(),
      guarantee: GUARANTEE_PER_COLLECTION,
      markers,
      databases,
      fingerprint,
      notes,
    };
    await sink.put(CATALOG_ARTIFACT, once(Buffer.from(renderCatalog(catalog))), {
      format: FORMAT,
    });
    return {
      markers,
      fingerprint,
      details: {
        format: FORMAT,
        serverVersion: info.version,
        ...(info.ferretdb === undefined ? {} : { ferretdbVersion: info.ferretdb }),
        guarantee: GUARANTEE_PER_COLLECTION,
        ...(member === undefined ? {} : { readFrom: member }),
      },
    };
  } finally {
    await client.close().catch(() => undefined);
  }
}
