/**
 * The adapter's `restoreDataDir`: a physical replica snapshot unpacked and prepared into
 * a data directory (replica-snapshot-restore.ts), plus what the user does next to run a
 * server on it. Starting `mariadbd` is left to the caller (in Kubernetes, the pod that
 * mounts the volume).
 */
import type { ArtifactSource, DataDirRestoreOptions, DataDirRestoreResult } from '../types.ts';
import { restoreReplicaSnapshot } from './replica-snapshot-restore.ts';

/** The statements of mariabackup's slave info, one per line, without blank lines. Pure. */
function statements(slaveInfo: string): string[] {
  return slaveInfo
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

export async function restoreDataDir(
  source: ArtifactSource,
  dataDir: string,
  options: DataDirRestoreOptions,
): Promise<DataDirRestoreResult> {
  const restored = await restoreReplicaSnapshot(source, dataDir, options);
  const major = /^\d+\.\d+/.exec(restored.server)?.[0] ?? restored.server;
  const replicate = statements(restored.slaveInfo);
  return {
    markers: restored.markers,
    nextSteps: [
      `give ${dataDir} to the server's user (e.g. chown -R mysql:mysql ${dataDir})`,
      `start mariadbd ${major} on it: mariadbd --datadir=${dataDir} (the copy carries the replica's accounts and no replication settings)`,
      ...(replicate.length > 0
        ? [
            `to make it a replica of the same primary again (add MASTER_HOST, MASTER_USER, MASTER_PASSWORD), then START SLAVE: ${replicate.join(' ')}`,
          ]
        : []),
      'events are as the replica had them (SLAVESIDE_DISABLED): on a new primary, ALTER EVENT … ENABLE',
    ],
  };
}
