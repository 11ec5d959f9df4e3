/**
 * Logical capture: globals (pg_dumpall --globals-only), per database the schema
 * (pg_dump --schema-only --snapshot, custom format) and every table's rows as COPY text
 * on N connections that joined the same exported snapshot, hashed as they stream (the
 * fingerprint costs no second read). The catalog is written last.
 */
import { Readable } from 'node:stream';
import type pg from 'pg';
import { AdapterError } from '../../engine/errors.ts';
import type { TableFingerprint, Workload } from '../../engine/model/index.ts';
import type { ArtifactSink, CaptureOptions, CaptureResult, PinnedSnapshot } from '../types.ts';
import { fingerprintKey } from './canonical.ts';
import {
  CATALOG_ARTIFACT,
  CATALOG_FORMAT,
  GLOBALS_ARTIFACT,
  dataArtifactName,
  largeObjectsArtifactName,
  schemaArtifactName,
  type CaptureCatalog,
  type CatalogDatabase,
  type CatalogTable,
} from './capture-catalog.ts';
import {
  databaseInfo,
  largeObjectCount,
  listTables,
  populatedMatviews,
  readSequences,
  type TableInfo,
} from './catalog.ts';
import {
  captureEndpoint,
  sessionError,
  toolEnv,
  withConnection,
  type ConnectionTarget,
} from './connection.ts';
import {
  RecoveryConflictError,
  adapterError,
  cancelledOr,
  isRecoveryConflict,
  throwIfAborted,
} from './errors.ts';
import {
  decodeToken,
  maintenanceDatabase,
  pinnedSessionFailure,
  pinSnapshotOn,
  resolveDatabases,
} from './snapshot.ts';
import { closeAll, hashedCopy, openSnapshotWorkers } from './table-copy.ts';
import { captureReplicaSnapshot } from './replica-snapshot.ts';
import { startTool, toolMajor } from './tools.ts';
import { runPool } from './_pool.ts';

/** Annotation naming a standby's data directory for the replica-snapshot strategy. */
export const REPLICA_DATA_DIR_ANNOTATION = 'lifeboat.dev/replica-data-dir';

/**
 * Capture `workload` into `sink`; see the module comment. `replica-snapshot` is routed
 * to the physical capture of replica-snapshot.ts.
 */
export async function dump(
  workload: Workload,
  sink: ArtifactSink,
  options: CaptureOptions,
): Promise<CaptureResult> {
  try {
    if (options.strategy === 'replica-snapshot') {
      // Physical: the standby's data directory, named by an annotation (a PVC later), else
      // its own data_directory setting (Lifeboat running on the standby's host).
      const dataDir = workload.annotations[REPLICA_DATA_DIR_ANNOTATION];
      return await captureReplicaSnapshot(workload, sink, {
        ...(dataDir ? { dataDir } : {}),
        signal: options.signal,
        ...(workload.databases.length > 0 ? { databases: workload.databases } : {}),
      });
    }
    return await dumpOnce(workload, sink, options);
  } catch (error) {
    const replica = workload.replicas[0];
    if (options.strategy === 'replica' && replica && !options.signal.aborted && isRecoveryConflict(error))
      throw new RecoveryConflictError(workload, `${replica.host}:${replica.port}`, error);
    throw cancelledOr(workload, options.signal, error);
  }
}

async function dumpOnce(
  workload: Workload,
  sink: ArtifactSink,
  options: CaptureOptions,
): Promise<CaptureResult> {
  if (options.strategy !== 'logical' && options.strategy !== 'replica') {
    throw new AdapterError(
      'postgres',
      `dump does not implement the "${options.strategy}" strategy (logical, replica and replica-snapshot only)`,
      {
        workload: workload.name,
      },
    );
  }
  const endpoint = captureEndpoint(workload, options.strategy);
  const target: ConnectionTarget = { workload, endpoint };
  throwIfAborted(options.signal, workload);

  const facts = await withConnection(target, maintenanceDatabase(workload, endpoint), async (c) => {
    const r = await c.query<{ version: string; in_recovery: boolean; superuser: boolean }>(
      `SELECT current_setting('server_version') AS version, pg_catalog.pg_is_in_recovery() AS in_recovery,
              (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser`,
    );
    return r.rows[0] ?? { version: 'unknown', in_recovery: false, superuser: false };
  });
  if (options.strategy === 'replica' && !facts.in_recovery) {
    throw new AdapterError(
      'postgres',
      `replica endpoint ${endpoint.host}:${endpoint.port} is not a standby (pg_is_in_recovery() is false): ` +
        'refusing to read from a primary under the replica strategy',
      { workload: workload.name },
    );
  }
  const major = Number.parseInt(facts.version, 10);
  const tools = await toolMajor();
  if (tools < major) {
    throw new AdapterError(
      'postgres',
      `pg_dump ${tools} is older than server ${facts.version}: install newer client tools or set LIFEBOAT_PG_BIN`,
      {
        workload: workload.name,
      },
    );
  }

  let pinned: (PinnedSnapshot & { snapshots: Readonly<Record<string, string>> }) | undefined;
  let ownPin: PinnedSnapshot | undefined;
  if (options.snapshot) {
    const token = decodeToken(options.snapshot.token);
    if (token.host !== endpoint.host || token.port !== endpoint.port) {
      throw new AdapterError(
        'postgres',
        `the pinned snapshot belongs to ${token.host}:${token.port}, not ${endpoint.host}:${endpoint.port}`,
        {
          workload: workload.name,
        },
      );
    }
    pinned = { ...options.snapshot, snapshots: token.snapshots };
  } else {
    const databases = await resolveDatabases(target);
    pinned = await pinSnapshotOn(target, databases, options.signal);
    ownPin = pinned;
  }

  try {
    return await dumpPinned(target, sink, options, facts, tools, pinned);
  } catch (error) {
    // A pinned session the standby terminated (recovery conflict) is the cause of what
    // failed after it (joins of its snapshot say "invalid snapshot identifier").
    const ended = pinnedSessionFailure(ownPin ?? options.snapshot);
    throw ended ? adapterError(workload, 'the session holding the dump snapshot ended', ended) : error;
  } finally {
    await ownPin?.release();
  }
}

/** Globals, then each database from its pinned snapshot, then the catalog (written last). */
async function dumpPinned(
  target: ConnectionTarget,
  sink: ArtifactSink,
  options: CaptureOptions,
  facts: { version: string; in_recovery: boolean; superuser: boolean },
  tools: number,
  pinned: PinnedSnapshot & { snapshots: Readonly<Record<string, string>> },
): Promise<CaptureResult> {
  const databases = Object.keys(pinned.snapshots);
  const globalsArtifact = await dumpGlobals(target, sink, facts.superuser, options.signal);
  const fingerprint: Record<string, TableFingerprint> = {};
  const entries: CatalogDatabase[] = [];
  for (const [dbIndex, database] of databases.entries()) {
    const snapshotId = pinned.snapshots[database] ?? '';
    const entry = await dumpDatabase(target, sink, options, {
      database,
      dbIndex,
      snapshotId,
      inRecovery: facts.in_recovery,
    });
    for (const t of entry.tables)
      fingerprint[fingerprintKey(database, t.schema, t.name)] = { rows: t.rows, hash: t.hash };
    entries.push(entry);
  }
  const lsn = pinned.markers.find((m) => m.kind === 'lsn')?.value ?? '0/0';
  const catalog: CaptureCatalog = {
    format: CATALOG_FORMAT,
    serverVersion: facts.version,
    endpoint: facts.in_recovery ? 'replica' : 'primary',
    lsn,
    globalsArtifact,
    databases: entries,
  };
  await sink.put(CATALOG_ARTIFACT, Readable.from([Buffer.from(JSON.stringify(catalog, null, 1))]), {
    format: CATALOG_FORMAT,
  });
  return {
    markers: pinned.markers,
    fingerprint,
    details: {
      format: CATALOG_FORMAT,
      serverVersion: facts.version,
      pgDumpMajor: String(tools),
      endpoint: catalog.endpoint,
      databases: databases.join(','),
    },
  };
}

/** Roles and tablespaces; without superuser, role passwords cannot be read and are left out. */
async function dumpGlobals(
  target: ConnectionTarget,
  sink: ArtifactSink,
  superuser: boolean,
  signal: AbortSignal,
): Promise<string | null> {
  const args = ['--globals-only', ...(superuser ? [] : ['--no-role-passwords'])];
  const db = maintenanceDatabase(target.workload, target.endpoint);
  const tool = startTool('pg_dumpall', [...args, '-l', db], toolEnv(target, db), { signal });
  try {
    await Promise.all([
      sink.put(GLOBALS_ARTIFACT, tool.stdout ?? Readable.from([]), { kind: 'globals' }),
      tool.done,
    ]);
  } catch (error) {
    tool.kill();
    throw adapterError(target.workload, 'pg_dumpall --globals-only failed', error);
  }
  return GLOBALS_ARTIFACT;
}

interface DatabaseJob {
  readonly database: string;
  readonly dbIndex: number;
  readonly snapshotId: string;
  readonly inRecovery: boolean;
}

async function dumpDatabase(
  target: ConnectionTarget,
  sink: ArtifactSink,
  options: CaptureOptions,
  job: DatabaseJob,
): Promise<CatalogDatabase> {
  const { workload } = target;
  const parallelism = Math.max(1, options.parallelism);
  const workers = await openSnapshotWorkers(target, job.database, job.snapshotId, parallelism);
  const abort = new AbortController();
  const onAbort = (): void => {
    abort.abort();
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  // Cancelling closes the connections: any COPY in flight fails at once.
  abort.signal.addEventListener('abort', () => void closeAll(workers), { once: true });
  const schemaArtifact = schemaArtifactName(job.dbIndex);
  try {
    const first = workers[0] as pg.Client;
    const los = await largeObjectCount(first);
    const info = await databaseInfo(first);
    const all = await listTables(first);
    // A standby cannot read unlogged tables: their structure is captured, their rows are not.
    const skipped = job.inRecovery ? all.filter((t) => t.persistence === 'u') : [];
    const tables = all.filter((t) => !skipped.includes(t));
    options.progress.estimate({ bytes: tables.reduce((s, t) => s + t.estimatedBytes, 0) });

    const largeObjectsArtifact = los > 0 ? largeObjectsArtifactName(job.dbIndex) : null;
    const schema = (async () => {
      await dumpSchema(target, sink, job, schemaArtifact, abort.signal);
      if (largeObjectsArtifact !== null)
        await dumpLargeObjects(target, sink, job, largeObjectsArtifact, abort.signal);
    })();
    const results: (CatalogTable | undefined)[] = new Array<CatalogTable | undefined>(tables.length);
    const data = runPool(
      tables,
      parallelism,
      async (table: TableInfo, worker, index) => {
        if (abort.signal.aborted) throw adapterError(workload, 'dump cancelled', new Error('aborted'));
        const client = workers[worker] as pg.Client;
        results[index] = await dumpTable(
          target,
          client,
          sink,
          table,
          dataArtifactName(job.dbIndex, index),
          job.database,
          options,
        );
      },
      () => {
        abort.abort();
      },
    );
    await Promise.all([data, schema]).catch((error: unknown) => {
      abort.abort();
      throw error;
    });
    const sequences = await readSequences(first, job.inRecovery);
    const matviews = await populatedMatviews(first);
    return {
      name: job.database,
      encoding: info.encoding,
      collate: info.collate,
      ctype: info.ctype,
      schemaArtifact,
      largeObjectsArtifact,
      tables: results.filter((t): t is CatalogTable => t !== undefined),
      sequences,
      matviews,
      skipped: skipped.map((t) => `${t.schema}.${t.name}: unlogged table, not readable on a standby`),
    };
  } catch (error) {
    // A session the standby terminated (recovery conflict) makes later queries fail with a
    // bare "not queryable": report the termination, which is the cause.
    const ended = workers.map(sessionError).find(isRecoveryConflict);
    throw adapterError(workload, `dump of database "${job.database}" failed`, ended ?? error);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((c) => c.query('COMMIT').catch(() => {})));
    await closeAll(workers);
  }
}

async function dumpSchema(
  target: ConnectionTarget,
  sink: ArtifactSink,
  job: DatabaseJob,
  artifact: string,
  signal: AbortSignal,
): Promise<void> {
  // -Fc so restore can run pre-data and post-data separately (and post-data in parallel).
  const args = ['--schema-only', '--format=custom', `--snapshot=${job.snapshotId}`, '--no-sync'];
  const tool = startTool('pg_dump', args, toolEnv(target, job.database), { signal });
  try {
    await Promise.all([
      sink.put(artifact, tool.stdout ?? Readable.from([]), { kind: 'schema', database: job.database }),
      tool.done,
    ]);
  } catch (error) {
    tool.kill();
    throw adapterError(target.workload, `pg_dump --schema-only of database "${job.database}" failed`, error);
  }
}

/**
 * Large objects (metadata, comments, contents) from the same snapshot: a data-only
 * pg_dump that excludes every table's data leaves exactly them.
 */
async function dumpLargeObjects(
  target: ConnectionTarget,
  sink: ArtifactSink,
  job: DatabaseJob,
  artifact: string,
  signal: AbortSignal,
): Promise<void> {
  const args = [
    '--data-only',
    '--exclude-table-data=*.*',
    '--format=custom',
    '-Z0',
    `--snapshot=${job.snapshotId}`,
    '--no-sync',
  ];
  const tool = startTool('pg_dump', args, toolEnv(target, job.database), { signal });
  try {
    await Promise.all([
      sink.put(artifact, tool.stdout ?? Readable.from([]), { kind: 'large-objects', database: job.database }),
      tool.done,
    ]);
  } catch (error) {
    tool.kill();
    throw adapterError(
      target.workload,
      `pg_dump of the large objects of database "${job.database}" failed`,
      error,
    );
  }
}

async function dumpTable(
  target: ConnectionTarget,
  client: pg.Client,
  sink: ArtifactSink,
  table: TableInfo,
  artifact: string,
  database: string,
  options: CaptureOptions,
): Promise<CatalogTable> {
  const copy = await hashedCopy(client, table, (n) => {
    options.progress.bytes(n);
  });
  try {
    const [put, fp] = await Promise.all([
      sink.put(artifact, copy.stream, { kind: 'table', database, schema: table.schema, table: table.name }),
      copy.done,
    ]);
    options.progress.rows(fp.rows);
    return {
      schema: table.schema,
      name: table.name,
      columns: [...table.columns],
      artifact,
      rows: fp.rows,
      hash: fp.hash,
      bytes: put.bytes,
    };
  } catch (error) {
    copy.stream.destroy();
    throw adapterError(target.workload, `copy of table ${table.schema}.${table.name} failed`, error);
  }
}
