/**
 * Physical replica-side snapshot: on the standby, pause WAL replay, enter backup mode,
 * stream a tar of its data directory into the sink, leave backup mode and resume replay
 * (always, in `finally`). The backup label and the replayed LSN are stored with it, so a
 * server started from the copy recovers to exactly that LSN and promotes. In Kubernetes
 * the tar is replaced by a CSI VolumeSnapshot of the standby's PVC (later issue); here
 * the data directory must be readable by this process.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, appendFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AdapterError } from '../../engine/errors.ts';
import type { Fingerprint, Marker, Workload } from '../../engine/model/index.ts';
import type { ArtifactSink, ArtifactSource, ProgressSink } from '../types.ts';
import { quoteLiteral } from './canonical.ts';
import { connect, type ConnectionTarget } from './connection.ts';
import { adapterError } from './errors.ts';
import { fingerprint } from './fingerprint.ts';
import { maintenanceDatabase } from './snapshot.ts';

export const DATADIR_ARTIFACT = 'datadir.tar';
export const REPLICA_SNAPSHOT_ARTIFACT = 'replica-snapshot.json';

/** Files a copy must not carry: they describe the running server, not its data. */
const EXCLUDE = [
  './postmaster.pid',
  './postmaster.opts',
  './pg_stat_tmp/*',
  './pg_replslot/*',
  './backup_label',
  './tablespace_map',
];

export interface ReplicaSnapshotOptions {
  /**
   * The standby's data directory (PGDATA) as this process sees it.
   * @default the standby's own `data_directory` setting (Lifeboat on the standby's host)
   */
  readonly dataDir?: string;
  readonly signal: AbortSignal;
  /** Longest wait for replay to pause. @default 30000 */
  readonly pauseTimeoutMs?: number;
  /** Databases to fingerprint while paused. @default all */
  readonly databases?: readonly string[];
}

export interface ReplicaSnapshotResult {
  readonly markers: readonly Marker[];
  /** Fingerprint of the standby while paused: what a server started from the copy holds. */
  readonly fingerprint: Fingerprint;
  readonly details: Readonly<Record<string, string>>;
}

/** Capture the first replica's data directory; see the module comment. */
export async function captureReplicaSnapshot(
  workload: Workload,
  sink: ArtifactSink,
  options: ReplicaSnapshotOptions,
): Promise<ReplicaSnapshotResult> {
  const endpoint = workload.replicas[0];
  if (endpoint === undefined) {
    throw new AdapterError('postgres', 'replica-snapshot: the workload has no replica endpoint', {
      workload: workload.name,
    });
  }
  const target: ConnectionTarget = { workload, endpoint };
  const session = await connect(target, maintenanceDatabase(workload, endpoint), {
    applicationName: 'lifeboat-replica-snapshot',
  });
  let paused = false;
  try {
    const r = await session.query<{ rec: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS rec');
    if (r.rows[0]?.rec !== true) {
      throw new AdapterError(
        'postgres',
        `replica-snapshot: ${endpoint.host}:${endpoint.port} is not a standby`,
        {
          workload: workload.name,
        },
      );
    }
    const dataDir = options.dataDir ?? (await standbyDataDir(session));
    await checkReadable(dataDir, `${endpoint.host}:${endpoint.port}`);
    await session.query('SELECT pg_catalog.pg_wal_replay_pause()');
    paused = true;
    const deadline = performance.now() + (options.pauseTimeoutMs ?? 30_000);
    for (;;) {
      const s = await session.query<{ state: string }>(
        'SELECT pg_catalog.pg_get_wal_replay_pause_state() AS state',
      );
      if (s.rows[0]?.state === 'paused') break;
      if (performance.now() > deadline) {
        throw new AdapterError('postgres', 'replica-snapshot: WAL replay did not pause in time', {
          workload: workload.name,
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Backup mode after the pause: no restartpoint can remove the WAL the copy needs.
    await session.query("SELECT pg_catalog.pg_backup_start('lifeboat replica snapshot', true)");
    const lsnRow = await session.query<{ lsn: string }>(
      'SELECT pg_catalog.pg_last_wal_replay_lsn()::text AS lsn',
    );
    const lsn = lsnRow.rows[0]?.lsn ?? '';
    const fp = await fingerprint(workload, {
      signal: options.signal,
      endpoint: 'replica',
      ...(options.databases ? { databases: options.databases } : {}),
    });
    await streamTar(dataDir, sink, options.signal);
    const stop = await session.query<{ lsn: string; labelfile: string; spcmapfile: string }>(
      'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop(false)',
    );
    const row = stop.rows[0];
    const info = {
      lsn,
      stopLsn: row?.lsn ?? '',
      labelFile: row?.labelfile ?? '',
      spcmapFile: row?.spcmapfile ?? '',
    };
    await sink.put(REPLICA_SNAPSHOT_ARTIFACT, Readable.from([Buffer.from(JSON.stringify(info))]), {
      kind: 'replica-snapshot',
    });
    return {
      markers: [{ kind: 'lsn', value: lsn }],
      fingerprint: fp,
      details: { format: 'lifeboat-postgres-datadir/1', endpoint: `${endpoint.host}:${endpoint.port}` },
    };
  } catch (error) {
    throw adapterError(workload, 'replica-snapshot failed', error);
  } finally {
    if (paused) await session.query('SELECT pg_catalog.pg_wal_replay_resume()').catch(() => {});
    await session.end().catch(() => {});
  }
}

/** The standby's `data_directory` (needs superuser or pg_read_all_settings). */
async function standbyDataDir(session: Awaited<ReturnType<typeof connect>>): Promise<string> {
  const r = await session.query<{ dir: string | null }>(
    "SELECT pg_catalog.current_setting('data_directory', true) AS dir",
  );
  const dir = r.rows[0]?.dir ?? '';
  if (dir === '') {
    throw new AdapterError(
      'postgres',
      "replica-snapshot: cannot read the standby's data_directory setting (needs superuser or pg_read_all_settings); name it with the annotation lifeboat.dev/replica-data-dir",
    );
  }
  return dir;
}

/** Fails clearly unless `dataDir` is a readable PostgreSQL data directory here. */
async function checkReadable(dataDir: string, server: string): Promise<void> {
  try {
    await access(join(dataDir, 'PG_VERSION'), constants.R_OK);
  } catch (error) {
    throw new AdapterError(
      'postgres',
      `replica-snapshot on ${server}: data directory ${dataDir} is not readable here (${(error as Error).message}); Lifeboat copies it, so it must run where the standby's data directory is readable, or name it with the annotation lifeboat.dev/replica-data-dir`,
    );
  }
}

async function streamTar(dataDir: string, sink: ArtifactSink, signal: AbortSignal): Promise<void> {
  const args = [
    '-C',
    dataDir,
    '-cf',
    '-',
    ...EXCLUDE.map((e) => `--exclude=${e}`),
    '--warning=no-file-changed',
    '--warning=no-file-removed',
    '.',
  ];
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code) => {
      resolve(code ?? -1);
    });
  });
  await sink.put(DATADIR_ARTIFACT, child.stdout, { kind: 'datadir' });
  const code = await exited;
  // 1 = "some files differ" (WAL still being received while replay is paused): expected.
  if (code !== 0 && code !== 1) throw new Error(`tar exited ${code}: ${stderr}`);
}

export interface ReplicaSnapshotRestoreOptions {
  /** Empty a non-empty `dataDir` first. Without it a non-empty directory is refused. @default false */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  /** Told the stored bytes as they are extracted. */
  readonly progress?: ProgressSink;
}

/** Make `dataDir` an empty directory (mode 0700, as the server wants it), or refuse unless `force`. */
async function emptyTarget(dataDir: string, force: boolean): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const entries = await readdir(dataDir);
  if (entries.length > 0 && !force) {
    throw new AdapterError(
      'postgres',
      `restore target ${dataDir} is not empty (${String(entries.length)} entries); use --force to overwrite it`,
    );
  }
  for (const e of entries) await rm(join(dataDir, e), { recursive: true, force: true });
}

/**
 * Prepare `dataDir` (empty or missing; emptied first with `force`) from a replica snapshot
 * so that a server started on it recovers to the captured LSN and promotes. Starting it is
 * the caller's job.
 */
export async function restoreReplicaSnapshot(
  source: ArtifactSource,
  dataDir: string,
  options: ReplicaSnapshotRestoreOptions = {},
): Promise<{ lsn: string }> {
  const artifacts = await source.list();
  if (!artifacts.includes(REPLICA_SNAPSHOT_ARTIFACT) || !artifacts.includes(DATADIR_ARTIFACT)) {
    throw new AdapterError('postgres', 'this capture is not a PostgreSQL physical replica snapshot');
  }
  await emptyTarget(dataDir, options.force ?? false);
  const chunks: Buffer[] = [];
  for await (const c of source.open(REPLICA_SNAPSHOT_ARTIFACT)) chunks.push(Buffer.from(c as Uint8Array));
  const info = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    lsn: string;
    labelFile: string;
    spcmapFile: string;
  };
  const tar = spawn('tar', ['-C', dataDir, '-xf', '-'], {
    stdio: ['pipe', 'ignore', 'pipe'],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let stderr = '';
  tar.stderr.setEncoding('utf8');
  tar.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  const exited = new Promise<number>((resolve) => {
    tar.on('close', (code) => {
      resolve(code ?? -1);
    });
  });
  tar.on('error', () => undefined); // an abort kills it; the pipeline or the exit code reports it
  const stream = source.open(DATADIR_ARTIFACT);
  const progress = options.progress;
  if (progress) {
    stream.on('data', (chunk: Buffer) => {
      progress.bytes(chunk.length);
    });
  }
  // tar stops at the archive's end marker and can exit before the pipe reports 'finish';
  // Node then destroys its stdin ("Premature close", or EPIPE). Its exit status is the
  // verdict on those: 0 means it read a whole archive. Any other feed error (the
  // repository's integrity check, an abort) wins over tar's complaint about a short input.
  const feedError = await pipeline(stream, tar.stdin).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  const code = await exited;
  if (feedError !== undefined && !isClosedByTool(feedError)) throw feedError;
  if (code !== 0)
    throw new AdapterError(
      'postgres',
      `extracting the data directory failed (tar exited ${code}): ${stderr}`,
    );
  await writeFile(join(dataDir, 'backup_label'), info.labelFile);
  if (info.spcmapFile) await writeFile(join(dataDir, 'tablespace_map'), info.spcmapFile);
  await rm(join(dataDir, 'standby.signal'), { force: true });
  await writeFile(join(dataDir, 'recovery.signal'), '');
  // Recover from the copied pg_wal only (no archive), stop at the captured LSN, promote.
  await appendFile(
    join(dataDir, 'postgresql.auto.conf'),
    `\n# lifeboat replica snapshot restore\nrestore_command = 'false'\nprimary_conninfo = ''\n` +
      `recovery_target_lsn = ${quoteLiteral(info.lsn)}\nrecovery_target_action = 'promote'\n` +
      // The LSN is the end of the last replayed record: stop before the next one.
      `recovery_target_inclusive = off\n`,
  );
  return { lsn: info.lsn };
}

/** The tool closed its stdin (it exited) while the feed was finishing. */
function isClosedByTool(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE';
}
