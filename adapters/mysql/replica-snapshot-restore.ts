/**
 * Restore of a physical replica snapshot: unpack the xbstream into an empty data
 * directory (`mbstream -x`, streamed from the repository, no intermediate file), then
 * `mariabackup --prepare` it (apply the copied redo log) so that a `mariadbd` started on
 * it opens exactly the captured state. Starting that server (and owning its files as the
 * server's user) is the caller's job: in Kubernetes the pod that mounts the volume.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AdapterError } from '../../engine/errors.ts';
import type { Marker } from '../../engine/model/index.ts';
import type { ArtifactSource, ProgressSink } from '../types.ts';
import { DATADIR_ARTIFACT, PHYSICAL_FORMAT, REPLICA_SNAPSHOT_ARTIFACT } from './artifact-names.ts';
import { mariabackupPath, mbstreamPath, privateWorkDir, startTool } from './mariabackup.ts';
import type { ReplicaSnapshotInfo } from './replica-snapshot.ts';

export interface ReplicaSnapshotRestoreOptions {
  /** Empty a non-empty `dataDir` first. Without it a non-empty target is refused. */
  readonly force: boolean;
  readonly signal: AbortSignal;
  /** Told the stored bytes as they are unpacked. */
  readonly progress?: ProgressSink;
}

export interface ReplicaSnapshotRestoreResult {
  /** The markers recorded at capture. */
  readonly markers: readonly Marker[];
  /** Version of the server the copy was taken from (a restore needs the same major version). */
  readonly server: string;
  /**
   * The replication statements mariabackup wrote (`--slave-info`), to make the restored
   * server a replica of the same primary: e.g. `SET GLOBAL gtid_slave_pos = '0-1-42'`.
   */
  readonly slaveInfo: string;
  /** The GTID position in the slave info, when there is one. */
  readonly gtid: string | undefined;
}

/** The GTID in mariabackup's slave info (`SET GLOBAL gtid_slave_pos = '…'`). Pure. */
export function slaveInfoGtid(slaveInfo: string): string | undefined {
  return /gtid_slave_pos\s*=\s*'([^']*)'/i.exec(slaveInfo)?.[1];
}

async function readArtifact(source: ArtifactSource, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of source.open(name)) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Make `dataDir` an empty directory, or refuse (see `force`). */
async function emptyTarget(dataDir: string, force: boolean): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o750 });
  const entries = await readdir(dataDir);
  if (entries.length === 0) return;
  if (!force) {
    throw new AdapterError(
      'mysql',
      `restore target ${dataDir} is not empty (${String(entries.length)} entries); use --force to overwrite it`,
    );
  }
  for (const e of entries) await rm(join(dataDir, e), { recursive: true, force: true });
}

/**
 * The physical capture as stored: mariabackup's xbstream, which the native tools load
 * without Lifeboat (`mbstream -x -C DIR < FILE && mariabackup --prepare --target-dir=DIR`).
 */
export async function* exportDatadirStream(source: ArtifactSource): AsyncGenerator<Buffer> {
  if (!(await source.list()).includes(DATADIR_ARTIFACT)) {
    throw new AdapterError('mysql', 'this capture is not a MySQL physical replica snapshot');
  }
  for await (const chunk of source.open(DATADIR_ARTIFACT) as AsyncIterable<Buffer>) yield chunk;
}

/** Unpack and prepare a replica snapshot into `dataDir`; see the module comment. */
export async function restoreReplicaSnapshot(
  source: ArtifactSource,
  dataDir: string,
  options: ReplicaSnapshotRestoreOptions,
): Promise<ReplicaSnapshotRestoreResult> {
  const artifacts = await source.list();
  if (!artifacts.includes(REPLICA_SNAPSHOT_ARTIFACT) || !artifacts.includes(DATADIR_ARTIFACT)) {
    throw new AdapterError('mysql', 'this capture is not a MySQL physical replica snapshot');
  }
  const parsed = JSON.parse(await readArtifact(source, REPLICA_SNAPSHOT_ARTIFACT)) as { format?: unknown };
  if (parsed.format !== PHYSICAL_FORMAT) {
    throw new AdapterError('mysql', `unknown physical snapshot format ${String(parsed.format)}`);
  }
  const info = parsed as ReplicaSnapshotInfo;
  const mbstream = mbstreamPath();
  const mariabackup = mariabackupPath();
  await emptyTarget(dataDir, options.force);

  const unpack = startTool(mbstream, ['-x', '-C', dataDir], {
    printable: 'mbstream -x',
    stdin: true,
    stdout: false,
    secrets: [],
    signal: options.signal,
  });
  try {
    const progress = options.progress;
    const stream = source.open(DATADIR_ARTIFACT);
    if (progress) {
      stream.on('data', (chunk: Buffer) => {
        progress.bytes(chunk.length);
      });
    }
    await pipeline(stream, unpack.child.stdin);
    await unpack.done;
  } catch (error) {
    unpack.child.kill('SIGKILL');
    await unpack.done.catch(() => undefined);
    throw error;
  }

  // --prepare connects to no server: an empty option file keeps /etc/mysql out.
  const work = await privateWorkDir(undefined);
  try {
    const prepare = startTool(
      mariabackup,
      [`--defaults-file=${work.optionFile}`, '--prepare', `--target-dir=${dataDir}`, `--tmpdir=${work.dir}`],
      {
        printable: 'mariabackup --prepare',
        stdin: false,
        stdout: false,
        secrets: [],
        signal: options.signal,
      },
    );
    await prepare.done;
  } finally {
    await work.remove();
  }

  let slaveInfo = '';
  for (const name of ['mariadb_backup_slave_info', 'xtrabackup_slave_info']) {
    slaveInfo = await readFile(join(dataDir, name), 'utf8').catch(() => '');
    if (slaveInfo !== '') break;
  }
  return { markers: info.markers, server: info.server, slaveInfo, gtid: slaveInfoGtid(slaveInfo) };
}
