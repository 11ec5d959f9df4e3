/**
 * The driver-native parallel dump: every table is read with `SELECT` from connections
 * that share one consistent snapshot, written as INSERT statements into the sink and
 * hashed on the way, so dump and fingerprint see the very same rows. Big tables with an
 * integer leading primary key are split into key ranges so several streams share them;
 * jobs go largest first to keep the streams busy to the end.
 *
 * Artifacts (see `artifact-names.ts`): `schema/<db>.sql` (tables), `data/<db>/<t>.sql`
 * (or `<t>.<part>.sql` per key range),
 * `post/<db>.sql` (routines, views, triggers, events), `users.sql`, and the catalog last.
 */
import type { Connection } from 'mysql2/promise';
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
import { resolveTarget, run, type MysqlTarget } from './connect.ts';
import { quoteIdent } from './sql-literal.ts';
import { rangeConditions } from './split-ranges.ts';
import { pinSnapshotSession, sessionForToken, type SnapshotSession } from './pin-snapshot.ts';
import { loadRowHash, TableHasher } from './row-hash.ts';
import { captureReplicaSnapshot } from './replica-snapshot.ts';
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
  /** Key-range part of a split table (undefined: the whole table). */
  readonly part?: number;
  readonly where?: string;
  /** Expected bytes, for largest-first scheduling. */
  readonly estimate: number;
}

/** Options of `dump` beyond the interface's. */
export interface MysqlCaptureOptions extends CaptureOptions {
  /**
   * Tables larger than this (InnoDB's estimate) with an integer leading primary key are
   * split into key ranges read by several streams. @default 64 MiB
   */
  readonly splitBytes?: number;
}

const DEFAULT_SPLIT_BYTES = 64 << 20;

/** The jobs for one table: itself, or its key ranges when it is big and streams can share it. */
async function planTable(
  conn: Connection,
  target: MysqlTarget,
  db: string,
  table: TableInfo,
  streams: number,
  options: MysqlCaptureOptions,
): Promise<TableJob[]> {
  const whole = [{ db, table, estimate: table.approxBytes }];
  const splitBytes = options.splitBytes ?? DEFAULT_SPLIT_BYTES;
  if (streams < 2 || table.splitColumn === undefined || table.approxBytes < splitBytes) return whole;
  const col = quoteIdent(table.splitColumn);
  const [range] = await run<{ lo: string | number | null; hi: string | number | null }>(
    conn,
    target,
    `read key range of ${db}.${table.name}`,
    `SELECT MIN(${col}) AS lo, MAX(${col}) AS hi FROM ${quoteIdent(db)}.${quoteIdent(table.name)}`,
  );
  if (range === undefined || range.lo === null || range.hi === null) return whole;
  const parts = Math.min(4 * streams, Math.ceil(table.approxBytes / splitBytes));
  const conditions = rangeConditions(table.splitColumn, String(range.lo), String(range.hi), parts);
  if (conditions.length < 2) return whole;
  return conditions.map((where, part) => ({
    db,
    table,
    part,
    ...(where === undefined ? {} : { where }),
    estimate: table.approxBytes / conditions.length,
  }));
}

/**
 * Pin the dump's snapshot. Several streams need the write fence (RELOAD privilege); a user
 * without it still gets a consistent dump, from one stream, instead of a failure.
 */
async function pinForDump(workload: Workload, options: MysqlCaptureOptions): Promise<SnapshotSession> {
  const replica = options.strategy === 'replica';
  const target = resolveTarget(workload, replica ? 'replica' : 'primary');
  const pin = (connections: number): Promise<SnapshotSession> =>
    pinSnapshotSession(target, { connections, replica, signal: options.signal });
  try {
    return await pin(options.parallelism);
  } catch (error) {
    const denied =
      error instanceof AdapterError && /access denied|RELOAD|SUPER|privilege/i.test(error.message);
    if (options.parallelism <= 1 || !denied) throw error;
    return pin(1);
  }
}

/**
 * Capture `workload` (primary for `logical`, first replica for `replica`) into `sink`;
 * `replica-snapshot` is the physical capture of replica-snapshot.ts.
 */
export async function dump(
  workload: Workload,
  sink: ArtifactSink,
  options: MysqlCaptureOptions,
): Promise<CaptureResult> {
  if (options.strategy === 'replica-snapshot') {
    // Physical: mariabackup of the replica's data directory (replica-snapshot.ts).
    return captureReplicaSnapshot(workload, sink, {
      signal: options.signal,
      progress: options.progress,
      parallelism: options.parallelism,
    });
  }
  if (options.strategy !== 'logical' && options.strategy !== 'replica') {
    throw new AdapterError('mysql', `mysql dump: strategy ${options.strategy} is not a logical dump`, {
      workload: workload.name,
    });
  }
  const session: SnapshotSession = options.snapshot
    ? sessionForToken(options.snapshot.token)
    : await pinForDump(workload, options);
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

    const streams = session.connections.slice(0, Math.max(1, options.parallelism));
    const jobs: TableJob[] = [];
    for (const db of databases) {
      for (const table of db.tables)
        jobs.push(...(await planTable(control, target, db.name, table, streams.length, options)));
    }
    jobs.sort((a, b) => b.estimate - a.estimate);
    options.progress.estimate({ bytes: jobs.reduce((n, j) => n + j.estimate, 0) });
    const rowHash = await loadRowHash();
    // One hasher per table, shared by its parts: the lane sum does not care who adds.
    const hashers = new Map<string, TableHasher>();
    const stored = new Map<string, number>();
    // First failure stops every stream (no partial capture is reported as done).
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    let next = 0;
    await Promise.all(
      streams.map(async (conn) => {
        try {
          for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
            signal.throwIfAborted();
            const key = `${job.db}.${job.table.name}`;
            let hasher = hashers.get(key);
            if (hasher === undefined) {
              hasher = new TableHasher(rowHash);
              hashers.set(key, hasher);
            }
            const body = tableStatements(conn, target, job.db, job.table, hasher, {
              signal,
              reuseBuffer: sink.consumesEachPiece === true,
              ...(job.where === undefined ? {} : { where: job.where }),
              onProgress: (bytes, rows) => {
                options.progress.bytes(bytes);
                options.progress.rows(rows);
              },
            });
            const name = dataArtifact(job.db, job.table.name, job.part);
            const { bytes } = await sink.put(name, body, {
              database: job.db,
              table: job.table.name,
              ...(job.where === undefined ? {} : { range: job.where }),
            });
            stored.set(name, bytes);
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

    const fingerprint: Record<string, TableFingerprint> = {};
    for (const [key, hasher] of hashers) fingerprint[key] = hasher.result();

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
          rows: fingerprint[`${db.name}.${t.name}`]?.rows ?? 0,
          artifacts: jobs
            .filter((j) => j.db === db.name && j.table.name === t.name)
            .sort((a, b) => (a.part ?? 0) - (b.part ?? 0))
            .map((j) => {
              const name = dataArtifact(db.name, t.name, j.part);
              return { name, bytes: stored.get(name) ?? 0 };
            }),
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
