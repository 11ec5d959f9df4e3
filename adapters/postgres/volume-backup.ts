/**
 * The PostgreSQL side of a freeze-snapshot capture: `pg_backup_start` before the write
 * fence, `pg_backup_stop` inside it (after the volume snapshots have their creationTime),
 * and afterwards the files a server started from the snapshotted volume needs: the backup
 * label, the tablespace map and the WAL segments from the backup's start to its stop.
 *
 * Why the WAL: the volume copy is taken while the server runs (backup mode only makes
 * it repairable), so recovery must replay from the label's checkpoint to the backup-end
 * record, which `pg_backup_stop` writes after the cut. `pg_backup_stop` also switches to
 * a new segment, so the segments named from start to stop hold exactly the history up to
 * the stop: with the user tables fenced from the cut to the stop, a server recovering
 * from them reaches the data the fence held, and the capture's fingerprint (taken from a
 * snapshot pinned inside the fence) must match it. Reading WAL needs superuser or
 * `pg_read_server_files` + `pg_monitor` (pg_ls_waldir, pg_read_binary_file).
 */
import { Readable } from 'node:stream';
import type pg from 'pg';
import type { Marker, Workload } from '../../engine/model/index.ts';
import type { ArtifactSink, PhysicalBackupSession } from '../types.ts';
import { startBackupMode, type BackupModeResult } from './backup-mode.ts';
import { connect } from './connection.ts';
import { adapterError } from './errors.ts';
import { maintenanceDatabase } from './snapshot.ts';

export const BACKUP_LABEL_ARTIFACT = 'backup_label';
export const TABLESPACE_MAP_ARTIFACT = 'tablespace_map';
/** WAL segments are stored as `pg_wal/<segment name>`. */
export const WAL_ARTIFACT_PREFIX = 'pg_wal/';

const READ_CHUNK = 1 << 20;

/** Segments named from `first` to `last` that the server still has, in order. */
async function walSegments(client: pg.Client, first: string, last: string): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT name FROM pg_catalog.pg_ls_waldir()
      WHERE name ~ '^[0-9A-F]{24}$' AND name >= $1 AND name <= $2 ORDER BY name`,
    [first, last],
  );
  return r.rows.map((row) => row.name);
}

/** One WAL segment read in 1 MiB pieces (never whole in memory). */
async function* readSegment(
  client: pg.Client,
  name: string,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for (let offset = 0; ; offset += READ_CHUNK) {
    signal.throwIfAborted();
    const r = await client.query<{ data: Buffer }>(
      'SELECT pg_catalog.pg_read_binary_file($1, $2, $3) AS data',
      [`pg_wal/${name}`, offset, READ_CHUNK],
    );
    const data = r.rows[0]?.data;
    if (!data || data.length === 0) return;
    yield data;
    if (data.length < READ_CHUNK) return;
  }
}

/** Enter backup mode on the workload's primary (see module comment). */
export async function startVolumeBackup(
  workload: Workload,
  options: { label: string; deadlineMs: number },
): Promise<PhysicalBackupSession> {
  const session = await startBackupMode(workload, { label: options.label, deadlineMs: options.deadlineMs });
  let result: BackupModeResult | undefined;
  return {
    async stop() {
      result ??= await session.stop();
    },
    async abort() {
      await session.stop().catch(() => undefined);
    },
    async store(sink: ArtifactSink, signal: AbortSignal) {
      if (!result)
        throw adapterError(
          workload,
          'storing the backup label before pg_backup_stop',
          new Error('backup mode not stopped'),
        );
      const stopped = result;
      await sink.put(BACKUP_LABEL_ARTIFACT, Readable.from([Buffer.from(stopped.labelFile)]), {
        kind: 'postgres-backup-label',
      });
      if (stopped.spcmapFile) {
        await sink.put(TABLESPACE_MAP_ARTIFACT, Readable.from([Buffer.from(stopped.spcmapFile)]), {
          kind: 'postgres-tablespace-map',
        });
      }
      const client = await connect({ workload, endpoint: workload.primary }, maintenanceDatabase(workload), {
        applicationName: 'lifeboat-wal',
      });
      let segments: string[];
      try {
        const names = await client.query<{ first: string; last: string }>(
          'SELECT pg_catalog.pg_walfile_name($1::pg_lsn) AS first, pg_catalog.pg_walfile_name($2::pg_lsn) AS last',
          [stopped.startLsn, stopped.stopLsn],
        );
        const row = names.rows[0];
        segments = row ? await walSegments(client, row.first, row.last) : [];
        if (segments.length === 0 || segments[0] !== row?.first || segments.at(-1) !== row?.last) {
          throw new Error(
            `WAL from ${row?.first ?? '?'} to ${row?.last ?? '?'} is no longer on the server (found ${segments.join(', ') || 'none'})`,
          );
        }
        for (const name of segments) {
          await sink.put(`${WAL_ARTIFACT_PREFIX}${name}`, readSegment(client, name, signal), {
            kind: 'postgres-wal',
          });
        }
      } catch (error) {
        throw adapterError(workload, 'storing the WAL of the volume backup failed', error);
      } finally {
        await client.end().catch(() => undefined);
      }
      const markers: Marker[] = [{ kind: 'lsn', value: stopped.stopLsn }];
      return {
        markers,
        details: {
          backupStartLsn: stopped.startLsn,
          backupStopLsn: stopped.stopLsn,
          walSegments: String(segments.length),
        },
      };
    },
  };
}
