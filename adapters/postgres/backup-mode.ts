/**
 * Physical backup mode for the freeze-snapshot strategy: `pg_backup_start(label, fast)`
 * held in one session while a volume snapshot is taken, then `pg_backup_stop()`, whose
 * backup_label (and tablespace map) must be stored with the snapshot: a server started
 * from the copy needs them. Non-exclusive mode: if the session dies the server aborts
 * the backup by itself; a timer ends the session after `maxHoldMs` as a last resort.
 */
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import { connect, type ConnectionTarget } from './connection.ts';
import { adapterError } from './errors.ts';
import { maintenanceDatabase } from './snapshot.ts';

/** What `pg_backup_stop()` returned: store all of it with the volume snapshot. */
export interface BackupModeResult {
  readonly label: string;
  readonly startLsn: string;
  readonly stopLsn: string;
  readonly labelFile: string;
  readonly spcmapFile: string;
}

/** A held backup mode; `stop` ends it once (later calls return the same result). */
export interface BackupModeSession {
  readonly label: string;
  readonly startLsn: string;
  stop(): Promise<BackupModeResult>;
}

/** Enter backup mode on the primary within `deadlineMs` (checkpoint included). */
export async function startBackupMode(
  workload: Workload,
  options: { label: string; fast?: boolean; deadlineMs: number; maxHoldMs?: number },
): Promise<BackupModeSession> {
  const target: ConnectionTarget = { workload, endpoint: workload.primary };
  const client = await connect(target, maintenanceDatabase(workload), {
    applicationName: 'lifeboat-backup-mode',
  });
  let startLsn: string;
  try {
    const v = await client.query<{ n: string }>("SELECT current_setting('server_version_num') AS n");
    if (Number(v.rows[0]?.n ?? 0) < 150000) {
      throw new AdapterError('postgres', 'backup mode needs PostgreSQL 15 or newer (pg_backup_start)', {
        workload: workload.name,
      });
    }
    await client.query(`SET statement_timeout = ${Math.max(1, Math.round(options.deadlineMs))}`);
    const r = await client.query<{ lsn: string }>('SELECT pg_catalog.pg_backup_start($1, $2)::text AS lsn', [
      options.label,
      options.fast ?? true,
    ]);
    startLsn = r.rows[0]?.lsn ?? '';
    await client.query('SET statement_timeout = 0');
  } catch (error) {
    await client.end().catch(() => {});
    const code = (error as { code?: string }).code;
    throw adapterError(
      workload,
      'pg_backup_start failed',
      code === '57014'
        ? Object.assign(new Error(`did not finish within ${options.deadlineMs} ms`), { code: '55P03' })
        : error,
    );
  }
  const timer = setTimeout(() => void client.end().catch(() => {}), options.maxHoldMs ?? 600_000);
  timer.unref();
  let result: Promise<BackupModeResult> | undefined;
  return {
    label: options.label,
    startLsn,
    stop() {
      result ??= (async () => {
        clearTimeout(timer);
        try {
          const r = await client.query<{ lsn: string; labelfile: string; spcmapfile: string }>(
            'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop(true)',
          );
          const row = r.rows[0];
          return {
            label: options.label,
            startLsn,
            stopLsn: row?.lsn ?? '',
            labelFile: row?.labelfile ?? '',
            spcmapFile: row?.spcmapfile ?? '',
          };
        } catch (error) {
          throw adapterError(
            workload,
            'pg_backup_stop failed (the backup mode was lost: the snapshot is not usable)',
            error,
          );
        } finally {
          await client.end().catch(() => {});
        }
      })();
      return result;
    },
  };
}
