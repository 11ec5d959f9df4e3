/**
 * The adapter's `restoreDataDir`: a physical replica snapshot extracted into a data
 * directory with its backup label and recovery settings (replica-snapshot.ts), plus what
 * the user does next to run a server on it. Starting `postgres` is left to the caller (in
 * Kubernetes, the pod that mounts the volume).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactSource, DataDirRestoreOptions, DataDirRestoreResult } from '../types.ts';
import { restoreReplicaSnapshot } from './replica-snapshot.ts';

export async function restoreDataDir(
  source: ArtifactSource,
  dataDir: string,
  options: DataDirRestoreOptions,
): Promise<DataDirRestoreResult> {
  const { lsn } = await restoreReplicaSnapshot(source, dataDir, options);
  const major = (await readFile(join(dataDir, 'PG_VERSION'), 'utf8').catch(() => '')).trim();
  const server = major === '' ? 'postgres' : `PostgreSQL ${major}`;
  return {
    markers: [{ kind: 'lsn', value: lsn }],
    nextSteps: [
      `give ${dataDir} to the server's user and make it private: chown -R postgres:postgres ${dataDir} && chmod 700 ${dataDir}`,
      `start ${server} on it: pg_ctl -D ${dataDir} start (or postgres -D ${dataDir}); it replays the copied WAL to exactly the marker LSN ${lsn}, then promotes to a writable primary (no archive, no replication settings)`,
      'then check it holds the captured data: lifeboat drill, or compare a fingerprint of it with the capture (lifeboat list ID -o json)',
    ],
  };
}
