import { Readable } from 'node:stream';
import { z } from 'zod';
import type { DatabaseAdapter, PhysicalBackupSession, PinnedSnapshot } from '../../../adapters/types.ts';
import { DURATION_PATTERN, parseDuration } from '../../blueprint/duration.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { VOLUME_SNAPSHOTS_HANDLE, type VolumeSnapshotsHandle } from '../volume-snapshots/handle.ts';
import { BACKUP_MODE_HANDLE, SNAPSHOT_HANDLE } from './handles.ts';

/** The artifact listing a member's volume snapshots (names, handles, PVCs, classes; no secrets). */
export const VOLUME_SNAPSHOTS_ARTIFACT = 'volume-snapshots.json';

/**
 * `<engine>.recordVolumeSnapshot`: after the fence is released, wait for every volume
 * snapshot to be `readyToUse`, store the backup mode's files (label, WAL) and the list of
 * snapshots in the repository, and fingerprint what the snapshot pinned inside the fence
 * sees. Once recorded the snapshots are kept (no longer deleted when the action ends).
 */
export function recordVolumeSnapshotFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.recordVolumeSnapshot`,
    description: `Record a freeze-snapshot capture of ${adapter.engine}: snapshots ready, backup label and WAL stored, fingerprint.`,
    engine: adapter.engine,
    args: z.strictObject({
      volumes: z.string().describe('handle from kube.prepareVolumeSnapshots'),
      session: z.string().describe('handle from backupStart'),
      snapshot: z.string().describe('handle from pinSnapshot, pinned inside the fence'),
      fenceWindowMs: z.number().nullable().optional().describe('how long the fence held (thaw heldMs)'),
      readyTimeout: z.string().regex(DURATION_PATTERN).default('10m'),
    }),
    outputs: ['markers', 'fingerprint', 'details'],
    async exec(args, ctx) {
      const volumes = ctx.handles.get(VOLUME_SNAPSHOTS_HANDLE, args.volumes) as VolumeSnapshotsHandle;
      const session = ctx.handles.get(BACKUP_MODE_HANDLE, args.session) as PhysicalBackupSession;
      const pinned = ctx.handles.get(SNAPSHOT_HANDLE, args.snapshot) as PinnedSnapshot;
      if (!volumes.set) throw new Error('no volume snapshots were taken (kube.snapshotVolumes did not run)');
      const readyStarted = performance.now();
      const records = await volumes.set.waitReady(parseDuration(args.readyTimeout), ctx.signal);
      const readyMs = Math.round(performance.now() - readyStarted);
      const sink = await ctx.artifacts.sink();
      const stored = await session.store(sink, ctx.signal);
      const fingerprint = await adapter.fingerprint(ctx.workload, { signal: ctx.signal, snapshot: pinned });
      await sink.put(
        VOLUME_SNAPSHOTS_ARTIFACT,
        Readable.from([Buffer.from(JSON.stringify({ snapshots: records }, null, 2))]),
        {
          kind: 'volume-snapshots',
          namespace: volumes.namespace,
          volumeSnapshots: records.map((r) => r.volumeSnapshot).join(','),
        },
      );
      volumes.kept = true;
      return {
        markers: [...stored.markers, ...pinned.markers].map((m) => ({ kind: m.kind, value: m.value })),
        fingerprint,
        details: {
          ...stored.details,
          ...(args.fenceWindowMs != null && { fenceWindowMs: String(args.fenceWindowMs) }),
          readyMs: String(readyMs),
          volumeSnapshotNamespace: volumes.namespace,
          volumeSnapshots: records.map((r) => r.volumeSnapshot).join(','),
          volumeSnapshotContents: records.map((r) => r.content ?? '').join(','),
          snapshotHandles: records.map((r) => r.snapshotHandle ?? '').join(','),
          pvcs: records.map((r) => r.pvc).join(','),
          storageClasses: records.map((r) => r.storageClass ?? '').join(','),
          snapshotClasses: records.map((r) => r.snapshotClass).join(','),
        },
      };
    },
  });
}
