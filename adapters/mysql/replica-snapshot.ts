/**
 * Physical replica-side snapshot (MariaDB): on a healthy replica (both replication
 * threads running, lag under a limit), stop the SQL thread, read its position in the
 * primary's history (the markers) and fingerprint its databases, then stream
 * `mariabackup --backup --stream=xbstream` of its data directory into the sink (no copy
 * on local disk), and restart the SQL thread in `finally`. With the SQL thread stopped
 * nothing replicated changes the data, so the copy, the markers and the fingerprint all
 * describe one point. The primary is never contacted.
 *
 * mariabackup reads the data directory's files, so Lifeboat must run where they are
 * readable (on the node, or in the database pod); this is checked before anything stops.
 */
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Connection } from 'mysql2/promise';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { Marker, Workload } from '../../engine/model/index.ts';
import type { ArtifactSink, CaptureResult, ProgressSink } from '../types.ts';
import { DATADIR_ARTIFACT, PHYSICAL_FORMAT, REPLICA_SNAPSHOT_ARTIFACT } from './artifact-names.ts';
import { closeQuietly, connect, resolveTarget, run, type MysqlTarget } from './connect.ts';
import { fingerprint } from './fingerprint.ts';
import { mariabackupPath, privateWorkDir, startTool } from './mariabackup.ts';
import { replicaMarkers, type SlaveStatus } from './pin-snapshot.ts';

/** Annotation naming the replica's data directory as Lifeboat sees it (default: its `@@datadir`). */
export const REPLICA_DATA_DIR_ANNOTATION = 'lifeboat.dev/replica-data-dir';
/** Annotation overriding the replication lag limit, in seconds. */
export const MAX_LAG_ANNOTATION = 'lifeboat.dev/max-replica-lag';
export const DEFAULT_MAX_LAG_SECONDS = 300;

export interface ReplicaSnapshotOptions {
  readonly signal: AbortSignal;
  readonly progress: ProgressSink;
  /** mariabackup copy threads. @default 1 */
  readonly parallelism?: number;
  /** The replica's data directory here. @default annotation, else the server's `@@datadir` */
  readonly dataDir?: string;
  /** Refuse a replica further behind than this. @default annotation, else 300 */
  readonly maxLagSeconds?: number;
  /** Databases to fingerprint. @default the workload's, else all user databases */
  readonly databases?: readonly string[];
}

/** What the restore reads back (`lifeboat-mysql-physical.json`). */
export interface ReplicaSnapshotInfo {
  readonly format: typeof PHYSICAL_FORMAT;
  readonly server: string;
  readonly markers: readonly Marker[];
  /** Databases fingerprinted at capture (empty: all user databases). */
  readonly databases: readonly string[];
}

interface ReplicaStatus extends SlaveStatus {
  readonly Slave_IO_Running?: string;
  readonly Last_IO_Error?: string;
  readonly Last_SQL_Error?: string;
  readonly Slave_open_temp_tables?: string | number;
}

/**
 * Why this replica must not be captured now (stale or broken replication), or undefined.
 * Pure: `status` is its `SHOW SLAVE STATUS` row (undefined: not a replica).
 */
export function replicaHealthProblem(
  status: ReplicaStatus | undefined,
  maxLagSeconds: number,
): string | undefined {
  if (status === undefined) return 'it is not a replica (SHOW SLAVE STATUS is empty)';
  if (status.Slave_IO_Running !== 'Yes' || status.Slave_SQL_Running !== 'Yes') {
    const error = status.Last_SQL_Error || status.Last_IO_Error;
    return `replication is not running (IO thread ${status.Slave_IO_Running ?? '?'}, SQL thread ${status.Slave_SQL_Running ?? '?'}${error ? `: ${error}` : ''})`;
  }
  const lag = status.Seconds_Behind_Master;
  if (lag === null || lag === undefined || lag === '') return 'its replication lag is unknown';
  if (Number(lag) > maxLagSeconds)
    return `it is ${String(lag)} s behind its primary (limit ${String(maxLagSeconds)} s)`;
  return undefined;
}

/** The lag limit: option, then annotation, then the default. */
function lagLimit(workload: Workload, options: ReplicaSnapshotOptions): number {
  if (options.maxLagSeconds !== undefined) return options.maxLagSeconds;
  const annotated = workload.annotations[MAX_LAG_ANNOTATION];
  if (annotated === undefined) return DEFAULT_MAX_LAG_SECONDS;
  const n = Number(annotated);
  if (!Number.isFinite(n) || n < 0) {
    throw new AdapterError(
      'mysql',
      `annotation ${MAX_LAG_ANNOTATION}="${annotated}" is not a number of seconds`,
      {
        workload: workload.name,
      },
    );
  }
  return n;
}

/** Fails clearly unless `dataDir` is a readable MariaDB data directory here. */
async function checkDataDir(dataDir: string, target: MysqlTarget): Promise<void> {
  const where =
    `mariabackup copies the replica's data directory, so Lifeboat must run where ${dataDir} is readable ` +
    `(on the replica's node or in its pod), or name the path with the ${REPLICA_DATA_DIR_ANNOTATION} annotation`;
  try {
    await access(dataDir, constants.R_OK | constants.X_OK);
    const entries = await readdir(dataDir);
    if (!entries.includes('mysql')) throw new Error('no mysql system schema in it');
    await access(join(dataDir, 'mysql'), constants.R_OK | constants.X_OK);
  } catch (error) {
    throw new AdapterError(
      'mysql',
      `mysql replica-snapshot on ${target.site.server}: data directory ${dataDir} is not readable here (${(error as Error).message}); ${where}`,
      { workload: target.site.workload },
    );
  }
}

/**
 * For the ETA: what mariabackup will copy, roughly — every file under the data directory
 * but the binary and relay logs and the redo log (of which it copies only the new part).
 */
async function copiedBytes(dataDir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dataDir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /(^ib_logfile|-bin\.\d+$|-bin\.index$|relay)/.test(entry.name)) continue;
    total += await stat(join(entry.parentPath, entry.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

async function slaveStatus(conn: Connection, target: MysqlTarget): Promise<ReplicaStatus | undefined> {
  const [status] = await run<ReplicaStatus>(conn, target, 'read replica status', 'SHOW SLAVE STATUS');
  return status;
}

/** Capture the first replica's data directory; see the module comment. */
export async function captureReplicaSnapshot(
  workload: Workload,
  sink: ArtifactSink,
  options: ReplicaSnapshotOptions,
): Promise<CaptureResult> {
  const target = resolveTarget(workload, 'replica');
  const replica = workload.replicas[0];
  if (replica === undefined) throw new AdapterError('mysql', 'unreachable: no replica endpoint');
  const mariabackup = mariabackupPath();
  const maxLag = lagLimit(workload, options);
  const control = await connect(target, options.signal);
  let restartSql = false;
  let work: Awaited<ReturnType<typeof privateWorkDir>> | undefined;
  try {
    const problem = replicaHealthProblem(await slaveStatus(control, target), maxLag);
    if (problem !== undefined) {
      throw new AdapterError(
        'mysql',
        `mysql replica-snapshot: ${target.site.server} cannot be captured: ${problem}`,
        {
          workload: workload.name,
          retryable: /behind|unknown/.test(problem),
        },
      );
    }
    const [vars] = await run<{ datadir: string; version: string }>(
      control,
      target,
      'read data directory',
      'SELECT @@datadir AS datadir, @@version AS version',
    );
    if (!/mariadb/i.test(vars?.version ?? '')) {
      throw new AdapterError(
        'mysql',
        `mysql replica-snapshot: ${target.site.server} runs ${vars?.version ?? 'an unknown version'}; the physical capture uses mariabackup, which copies MariaDB only (use the replica strategy)`,
        { workload: workload.name },
      );
    }
    const dataDir =
      options.dataDir ?? workload.annotations[REPLICA_DATA_DIR_ANNOTATION] ?? vars?.datadir ?? '';
    await checkDataDir(dataDir, target);
    options.progress.estimate({ bytes: await copiedBytes(dataDir) });

    restartSql = true;
    await run(control, target, 'stop replica SQL thread', 'STOP SLAVE SQL_THREAD');
    const stopped = await slaveStatus(control, target);
    // Statement-based replication may hold temporary tables a copy would lose.
    if (Number(stopped?.Slave_open_temp_tables ?? 0) > 0) {
      throw new AdapterError(
        'mysql',
        `mysql replica-snapshot: the replica holds replicated temporary tables; retry later`,
        {
          workload: workload.name,
          retryable: true,
        },
      );
    }
    const markers = await replicaMarkers(control, target);
    const databases = options.databases ?? workload.databases;
    const fp = await fingerprint(
      { ...workload, primary: replica },
      { signal: options.signal, ...(databases.length > 0 ? { databases } : {}) },
    );
    options.signal.throwIfAborted();

    work = await privateWorkDir(target);
    const backup = startTool(
      mariabackup,
      [
        `--defaults-file=${work.optionFile}`,
        '--backup',
        '--stream=xbstream',
        `--datadir=${dataDir}`,
        `--target-dir=${join(work.dir, 'target')}`,
        `--tmpdir=${work.dir}`,
        '--slave-info',
        // A no-op here (the SQL thread is already stopped), kept as the tool's own guard.
        '--safe-slave-backup',
        `--parallel=${String(Math.max(1, options.parallelism ?? 1))}`,
      ],
      {
        printable: 'mariabackup --backup',
        stdin: false,
        stdout: true,
        secrets: target.site.secrets,
        signal: options.signal,
      },
    );
    backup.child.stdout.on('data', (chunk: Buffer) => {
      options.progress.bytes(chunk.length);
    });
    try {
      await sink.put(DATADIR_ARTIFACT, backup.child.stdout, { kind: 'datadir', tool: 'mariabackup' });
      await backup.done;
    } catch (error) {
      backup.child.kill('SIGKILL');
      await backup.done.catch(() => undefined);
      throw error;
    }
    const info: ReplicaSnapshotInfo = {
      format: PHYSICAL_FORMAT,
      server: vars?.version ?? 'unknown',
      markers,
      databases,
    };
    await sink.put(REPLICA_SNAPSHOT_ARTIFACT, Readable.from([Buffer.from(JSON.stringify(info, null, 1))]), {
      kind: 'replica-snapshot',
    });
    return {
      markers,
      fingerprint: fp,
      details: {
        format: PHYSICAL_FORMAT,
        server: info.server,
        method: 'mariabackup',
        source: target.site.server,
      },
    };
  } catch (error) {
    if (options.signal.aborted) {
      throw new CancelledError('mysql replica-snapshot cancelled', { workload: workload.name, cause: error });
    }
    throw error;
  } finally {
    // Guaranteed: replication resumes, success or not.
    if (restartSql) await run(control, target, 'restart replica SQL thread', 'START SLAVE SQL_THREAD');
    await closeQuietly(control);
    await work?.remove();
  }
}
