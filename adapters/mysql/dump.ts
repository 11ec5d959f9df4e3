/**
 * The driver-native parallel dump: every table is read with `SELECT` from connections
 * that share one consistent snapshot, written as INSERT statements into the sink and
 * hashed on the way, so dump and fingerprint see the very same rows. Tables go largest
 * first to keep the streams busy to the end.
 *
 * Artifacts (see `artifact-names.ts`): `schema/<db>.sql` (tables), `data/<db>/<t>.sql`,
 * `post/<db>.sql` (routines, views, triggers, events), `users.sql`, and the catalog last.
 */
import type { Fingerprint, TableFingerprint, Workload } from '../../engine/model/index.ts';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { ArtifactSink, CaptureOptions, CaptureResult } from '../types.ts';
import {
  CATALOG_ARTIFACT,
  FORMAT,
  USERS_ARTIFACT,
  dataArtifact,
  postArtifact,
  schemaArtifact,
  type MysqlCatalog,
} from './artifact-names.ts';
import { listDatabases, readDatabase, readUsers, type DatabaseInfo, type TableInfo } from './catalog.ts';
import { resolveTarget } from './connect.ts';
import { pinSnapshotSession, sessionForToken, type SnapshotSession } from './pin-snapshot.ts';
import { loadRowHash, TableHasher } from './row-hash.ts';
import { postStatements, renderScript } from './script.ts';
import { readServerInfo } from './server-info.ts';
import { tableStatements } from './table-stream.ts';

/** A one-chunk stream for small text artifacts. */
async function* once(chunk: Buffer): AsyncGenerator<Buffer> {
  await Promise.resolve();
  yield chunk;
}

interface TableJob {
  readonly db: string;
  readonly table: TableInfo;
}

/** Capture `workload` (primary for `logical`, first replica for `replica`) into `sink`. */
export async function dump(
  workload: Workload,
  sink: ArtifactSink,
  options: CaptureOptions,
): Promise<CaptureResult> {
  if (options.strategy !== 'logical' && options.strategy !== 'replica') {
    throw new AdapterError('mysql', `mysql dump: strategy ${options.strategy} is not a logical dump`, {
      workload: workload.name,
    });
  }
  const session: SnapshotSession = options.snapshot
    ? sessionForToken(options.snapshot.token)
    : await pinSnapshotSession(
        resolveTarget(workload, options.strategy === 'replica' ? 'replica' : 'primary'),
        {
          connections: options.parallelism,
          replica: options.strategy === 'replica',
          signal: options.signal,
        },
      );
  const target = session.target;
  try {
    const control = session.connections[0];
    if (control === undefined) throw new AdapterError('mysql', 'mysql snapshot has no connections');
    const server = await readServerInfo(control, target);
    const names = await listDatabases(control, target, workload.databases);
    const databases: DatabaseInfo[] = [];
    for (const name of names) databases.push(await readDatabase(control, target, name));
    const users = await readUsers(control, target);

    for (const db of databases) {
      await sink.put(
        schemaArtifact(db.name),
        once(Buffer.from(renderScript(db.tables.map((t) => t.createSql)))),
        {
          database: db.name,
        },
      );
    }

    const jobs: TableJob[] = databases
      .flatMap((db) => db.tables.map((table) => ({ db: db.name, table })))
      .sort((a, b) => b.table.approxBytes - a.table.approxBytes);
    options.progress.estimate({ bytes: jobs.reduce((n, j) => n + j.table.approxBytes, 0) });
    const rowHash = await loadRowHash();
    const fingerprint: Record<string, TableFingerprint> = {};
    const stored = new Map<string, number>();
    // First failure stops every stream (no partial capture is reported as done).
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    let next = 0;
    const streams = session.connections.slice(0, Math.max(1, options.parallelism));
    await Promise.all(
      streams.map(async (conn) => {
        try {
          for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
            signal.throwIfAborted();
            const hasher = new TableHasher(rowHash);
            const body = tableStatements(conn, target, job.db, job.table, hasher, {
              signal,
              onProgress: (bytes, rows) => {
                options.progress.bytes(bytes);
                options.progress.rows(rows);
              },
            });
            const { bytes } = await sink.put(dataArtifact(job.db, job.table.name), body, {
              database: job.db,
              table: job.table.name,
            });
            const key = `${job.db}.${job.table.name}`;
            fingerprint[key] = hasher.result();
            stored.set(key, bytes);
          }
        } catch (error) {
          stop.abort(error);
          throw error;
        }
      }),
    ).catch((error: unknown) => {
      if (options.signal.aborted)
        throw new CancelledError('mysql dump cancelled', { workload: workload.name, cause: error });
      throw error;
    });
    // A stream that had already read its last rows does not notice an abort: check once more.
    if (options.signal.aborted) {
      throw new CancelledError('mysql dump cancelled', {
        workload: workload.name,
        cause: options.signal.reason,
      });
    }

    for (const db of databases) {
      await sink.put(postArtifact(db.name), once(Buffer.from(renderScript(postStatements(db.post)))), {
        database: db.name,
      });
    }
    if (users !== undefined) await sink.put(USERS_ARTIFACT, once(Buffer.from(renderScript(users))));

    const catalog: MysqlCatalog = {
      format: FORMAT,
      server: server.version,
      databases: databases.map((db) => ({
        name: db.name,
        charset: db.charset,
        collation: db.collation,
        schema: schemaArtifact(db.name),
        post: postArtifact(db.name),
        tables: db.tables.map((t) => ({
          name: t.name,
          artifact: dataArtifact(db.name, t.name),
          rows: fingerprint[`${db.name}.${t.name}`]?.rows ?? 0,
          bytes: stored.get(`${db.name}.${t.name}`) ?? 0,
        })),
      })),
      ...(users === undefined ? {} : { users: USERS_ARTIFACT }),
    };
    await sink.put(CATALOG_ARTIFACT, once(Buffer.from(JSON.stringify(catalog, null, 1))));
    const result: Fingerprint = fingerprint;
    return {
      markers: session.markers,
      fingerprint: result,
      details: {
        format: FORMAT,
        server: server.version,
        method: 'driver',
        streams: String(streams.length),
        stallMs: String(session.stallMs),
        source: target.site.server,
      },
    };
  } finally {
    // A snapshot pinned by the caller (cross-service cut) is released by the caller.
    if (!options.snapshot) await session.release();
  }
}
