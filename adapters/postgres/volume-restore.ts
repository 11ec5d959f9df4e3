/**
 * Preparing a data directory restored from a freeze-snapshot volume snapshot so that
 * PostgreSQL starts on it as on a `pg_backup_start`/`pg_backup_stop` copy: write the
 * stored backup_label (and tablespace_map) into it, put the stored WAL segments into
 * pg_wal (replacing the partial ones the snapshot caught), and drop postmaster.pid (the
 * copy was taken from a running server). No recovery.signal: crash recovery from the
 * label's checkpoint replays the stored WAL to the backup-end record and the segment
 * switch that follows it, then the server opens (the stored WAL ends there).
 * In a cluster this runs in a Job that mounts the restored PVC before the database starts.
 */
import { createWriteStream } from 'node:fs';
import { chown, rm, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { AdapterError } from '../../engine/errors.ts';
import type { ArtifactSource } from '../types.ts';
import { BACKUP_LABEL_ARTIFACT, TABLESPACE_MAP_ARTIFACT, WAL_ARTIFACT_PREFIX } from './volume-backup.ts';

async function readAll(source: ArtifactSource, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open(name)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Write label, map and WAL into `dataDir` (owned like the directory). Resolves with the files written. */
export async function prepareVolumeRestore(source: ArtifactSource, dataDir: string): Promise<string[]> {
  const names = await source.list();
  if (!names.includes(BACKUP_LABEL_ARTIFACT)) {
    throw new AdapterError(
      'postgres',
      'the backup has no backup_label: it is not a freeze-snapshot capture',
      {},
    );
  }
  const owner = await stat(dataDir);
  const written: string[] = [];
  const put = async (relative: string, data: Buffer) => {
    const path = join(dataDir, relative);
    await writeFile(path, data, { mode: 0o600 });
    await chown(path, owner.uid, owner.gid);
    written.push(relative);
  };
  await rm(join(dataDir, 'postmaster.pid'), { force: true });
  await put('backup_label', await readAll(source, BACKUP_LABEL_ARTIFACT));
  if (names.includes(TABLESPACE_MAP_ARTIFACT))
    await put('tablespace_map', await readAll(source, TABLESPACE_MAP_ARTIFACT));
  for (const name of names.filter((n) => n.startsWith(WAL_ARTIFACT_PREFIX))) {
    const segment = name.slice(WAL_ARTIFACT_PREFIX.length);
    if (!/^[0-9A-F]{24}$/.test(segment))
      throw new AdapterError('postgres', `unexpected WAL artifact ${name}`, {});
    const path = join(dataDir, 'pg_wal', segment);
    await pipeline(source.open(name), createWriteStream(path, { mode: 0o600 }));
    await chown(path, owner.uid, owner.gid);
    written.push(join('pg_wal', segment));
  }
  return written;
}
