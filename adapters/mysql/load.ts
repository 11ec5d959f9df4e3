/**
 * Restoring a capture: databases are created (renamed when asked), tables created,
 * data loaded by several connections in parallel (one table per connection at a time,
 * largest first; unique and foreign key checks off, commits batched), then routines,
 * views, triggers and events: triggers only after the data, so loading fires none.
 *
 * A non-empty target database is refused unless `force`, which drops it first. Loading
 * stops at the first failed statement and reports it; a partial restore never succeeds.
 * Binary logging stays on (a replica of the target receives the restore); accounts and
 * grants in `users.sql` are replayed only with `withUsers`. A physical replica snapshot
 * is refused: it restores through `restoreReplicaSnapshot`.
 */
import type { Connection } from 'mysql2/promise';
import type { Workload } from '../../engine/model/index.ts';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { ArtifactSource, RestoreOptions } from '../types.ts';
import {
  CATALOG_ARTIFACT,
  REPLICA_SNAPSHOT_ARTIFACT,
  USERS_ARTIFACT,
  parseCatalog,
  type MysqlCatalog,
} from './artifact-names.ts';
import { closeQuietly, connect, resolveTarget, run, type MysqlTarget } from './connect.ts';
import { adapterError } from './errors.ts';
import { splitLines } from './lines.ts';
import { ReplayableTransaction } from './replay-transaction.ts';
import { splitSecondaryIndexes } from './deferred-indexes.ts';
import { DATA_HEADER, parseScript } from './script.ts';
import { quoteIdent } from './sql-literal.ts';

/** Options of `load` beyond the interface's. */
export interface MysqlRestoreOptions extends RestoreOptions {
  /**
   * Write the restore to the target's binary log. Off (`sql_log_bin = 0`, needs SUPER or
   * BINLOG ADMIN) is faster, but the target's replicas then do not receive the restore.
   * @default true
   */
  readonly binlog?: boolean;
  /**
   * Replay the captured `users.sql` (accounts with their password hashes, and grants)
   * before the databases are created. Existing accounts are kept as they are (`CREATE USER
   * IF NOT EXISTS`) and get the captured grants added; grants name the original databases,
   * also on a renamed restore. Refused when the capture has no `users.sql`.
   * @default false
   */
  readonly withUsers?: boolean;
}

/** Commit after this many bytes of INSERTs: fewer log flushes, bounded undo. */
const COMMIT_BYTES = 16 << 20;

async function readText(source: ArtifactSource, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source.open(name) as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** Count objects in `db` on the target (0 when it does not exist). */
async function objectCount(conn: Connection, target: MysqlTarget, db: string): Promise<number> {
  const rows = await run<{ n: number | string }>(
    conn,
    target,
    `inspect target database ${db}`,
    `SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?)
          + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?)
          + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?) AS n`,
    [db, db, db],
  );
  return Number(rows[0]?.n ?? 0);
}

interface LoadJob {
  readonly db: string;
  readonly artifact: string;
  readonly table: string;
  readonly bytes: number;
  /** Shared by the parts of one table: the part that finishes last builds its held-back keys. */
  readonly tableState: { remaining: number; readonly addIndexes: string | undefined };
}

async function loadTable(
  conn: Connection,
  target: MysqlTarget,
  source: ArtifactSource,
  job: LoadJob,
  options: MysqlRestoreOptions,
  signal: AbortSignal,
): Promise<void> {
  await run(conn, target, `use ${job.db}`, `USE ${quoteIdent(job.db)}`);
  const stream = source.open(job.artifact);
  const abort = (): void => {
    stream.destroy(new Error('cancelled'));
  };
  signal.addEventListener('abort', abort, { once: true });
  let uncommitted = 0;
  let lineNo = 0;
  const tx = new ReplayableTransaction(conn);
  try {
    await tx.begin();
    for await (const line of splitLines(stream)) {
      lineNo++;
      if (line.length === 0) continue;
      const end = line[line.length - 1] === 0x3b ? line.length - 1 : line.length;
      try {
        await tx.query(line.toString('utf8', 0, end));
      } catch (error) {
        throw adapterError(
          `load table ${job.db}.${job.table} (statement ${String(lineNo)})`,
          target.site,
          error,
        );
      }
      options.progress.bytes(line.length + 1);
      uncommitted += line.length;
      if (uncommitted >= COMMIT_BYTES) {
        await tx.commit();
        await tx.begin();
        uncommitted = 0;
      }
    }
    await tx.commit();
    job.tableState.remaining--;
    if (job.tableState.remaining === 0 && job.tableState.addIndexes !== undefined) {
      await conn.query(job.tableState.addIndexes);
    }
  } catch (error) {
    signal.throwIfAborted();
    throw adapterError(`load table ${job.db}.${job.table}`, target.site, error);
  } finally {
    signal.removeEventListener('abort', abort);
    stream.destroy();
  }
}

/** Run DDL statements in order; views that name a not-yet-created view are retried after the rest. */
async function runPost(
  conn: Connection,
  target: MysqlTarget,
  db: string,
  statements: readonly string[],
): Promise<void> {
  let pending = [...statements];
  for (;;) {
    const deferred: string[] = [];
    let lastError: unknown;
    for (const sql of pending) {
      try {
        await conn.query(sql);
      } catch (error) {
        const errno = (error as { errno?: number }).errno;
        if (/^CREATE\b[^(]*\bVIEW\b/is.test(sql) && (errno === 1146 || errno === 1356)) {
          deferred.push(sql);
          lastError = error;
          continue;
        }
        throw adapterError(`recreate objects in ${db}`, target.site, error);
      }
    }
    if (deferred.length === 0) return;
    if (deferred.length === pending.length)
      throw adapterError(`recreate views in ${db}`, target.site, lastError);
    pending = deferred;
  }
}

/** Load the capture in `source` into `workload`'s primary. */
export async function load(
  workload: Workload,
  source: ArtifactSource,
  options: MysqlRestoreOptions,
): Promise<void> {
  const target = resolveTarget(workload, 'primary');
  if ((await source.list()).includes(REPLICA_SNAPSHOT_ARTIFACT)) {
    throw new AdapterError(
      'mysql',
      'this capture is a physical replica snapshot: restore it into an empty data directory with restoreReplicaSnapshot and start a server on it',
      { workload: workload.name },
    );
  }
  let catalog: MysqlCatalog;
  try {
    catalog = parseCatalog(await readText(source, CATALOG_ARTIFACT));
  } catch (error) {
    throw new AdapterError(
      'mysql',
      `mysql load: cannot read ${CATALOG_ARTIFACT}: ${(error as Error).message}`,
      {
        workload: workload.name,
        cause: error,
      },
    );
  }
  if (options.withUsers === true && catalog.users === undefined) {
    throw new AdapterError(
      'mysql',
      'mysql load: users were asked for, but this capture has no users.sql (its user could not read mysql.user)',
      { workload: workload.name },
    );
  }
  const nameOf = (db: string): string => options.rename[db] ?? db;
  const control = await connect(target, options.signal);
  const workers: Connection[] = [];
  const deferredIndexes = new Map<string, string>();
  try {
    // Refuse before touching anything.
    for (const db of catalog.databases) {
      const count = await objectCount(control, target, nameOf(db.name));
      if (count > 0 && !options.force) {
        throw new AdapterError(
          'mysql',
          `mysql load: target database ${nameOf(db.name)} on ${target.site.server} is not empty (${String(count)} objects); ` +
            'restore with force to replace it',
          { workload: workload.name },
        );
      }
    }
    const session = [
      ...DATA_HEADER.map((stmt) => stmt.slice(0, -1)),
      ...(options.binlog === false ? ['SET SESSION sql_log_bin = 0'] : []),
    ];
    for (const stmt of session) await run(control, target, 'set session', stmt);
    if (options.withUsers === true) {
      // Accounts first: definers of routines and views then exist when those are created.
      for (const sql of parseScript(await readText(source, catalog.users ?? USERS_ARTIFACT)))
        await run(control, target, 'replay users.sql', sql);
    }
    for (const db of catalog.databases) {
      const name = quoteIdent(nameOf(db.name));
      if (options.force)
        await run(control, target, `drop ${nameOf(db.name)}`, `DROP DATABASE IF EXISTS ${name}`);
      await run(
        control,
        target,
        `create database ${nameOf(db.name)}`,
        `CREATE DATABASE ${name} CHARACTER SET ${db.charset} COLLATE ${db.collation}`,
      );
      await run(control, target, `use ${nameOf(db.name)}`, `USE ${name}`);
      for (const sql of parseScript(await readText(source, db.schema))) {
        const split = splitSecondaryIndexes(sql);
        if (split?.addIndexes !== undefined)
          deferredIndexes.set(`${db.name}\0${split.table}`, split.addIndexes);
        await run(control, target, `create tables in ${nameOf(db.name)}`, split?.create ?? sql);
      }
    }

    const jobs: LoadJob[] = catalog.databases
      .flatMap((db) =>
        db.tables.flatMap((t) => {
          const tableState = {
            remaining: t.artifacts.length,
            addIndexes: deferredIndexes.get(`${db.name}\0${t.name}`),
          };
          return t.artifacts.map((a) => ({
            db: nameOf(db.name),
            artifact: a.name,
            table: t.name,
            bytes: a.bytes,
            tableState,
          }));
        }),
      )
      .sort((a, b) => b.bytes - a.bytes);
    options.progress.estimate({ bytes: jobs.reduce((n, j) => n + j.bytes, 0) });
    const n = Math.max(1, Math.min(options.parallelism, jobs.length));
    for (let i = 0; i < n; i++) {
      const conn = await connect(target, options.signal);
      workers.push(conn);
      for (const stmt of session) await run(conn, target, 'set session', stmt);
    }
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    let next = 0;
    await Promise.all(
      workers.map(async (conn) => {
        try {
          for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
            signal.throwIfAborted();
            await loadTable(conn, target, source, job, options, signal);
          }
        } catch (error) {
          stop.abort(error);
          throw error;
        }
      }),
    ).catch((error: unknown) => {
      if (options.signal.aborted)
        throw new CancelledError('mysql load cancelled', { workload: workload.name, cause: error });
      throw error;
    });
    // A stream that had already read its last rows does not notice an abort: check once more.
    if (options.signal.aborted) {
      throw new CancelledError('mysql load cancelled', {
        workload: workload.name,
        cause: options.signal.reason,
      });
    }

    for (const db of catalog.databases) {
      await run(control, target, `use ${nameOf(db.name)}`, `USE ${quoteIdent(nameOf(db.name))}`);
      await runPost(control, target, nameOf(db.name), parseScript(await readText(source, db.post)));
    }
  } finally {
    for (const w of workers) w.destroy();
    await closeQuietly(control);
  }
}
