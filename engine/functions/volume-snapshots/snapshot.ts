import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../../blueprint/duration.ts';
import { cut, snapshotLabels } from '../../kube/volume-snapshots/index.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { VOLUME_SNAPSHOTS_HANDLE, type VolumeSnapshotsHandle } from './handle.ts';

/**
 * `kube.snapshotVolumes`: inside the fence, one VolumeSnapshot per prepared PVC; resolves
 * once every one has `status.creationTime` (the cut is taken). Past `deadline` (the freeze
 * deadline) it deletes them and fails, so the fence is released by the defer phase.
 */
export const snapshotVolumesFunction: BlueprintFunction = defineFunction({
  name: 'kube.snapshotVolumes',
  description: 'Create a VolumeSnapshot per PVC and wait until each has a creationTime, within the deadline.',
  args: z.strictObject({
    volumes: z.string().describe('handle from kube.prepareVolumeSnapshots'),
    backupId: z.string().min(1),
    repository: z
      .string()
      .nullable()
      .optional()
      .describe('id of the repository the backup goes to: labels the snapshots for their garbage collection'),
    deadline: z.string().regex(DURATION_PATTERN, 'must be a duration such as 30s').default('30s'),
  }),
  outputs: ['volumeSnapshots', 'cutMs'],
  async exec(args, ctx) {
    const handle = ctx.handles.get(VOLUME_SNAPSHOTS_HANDLE, args.volumes) as VolumeSnapshotsHandle;
    const started = performance.now();
    handle.set = await cut(handle.api, {
      namespace: handle.namespace,
      targets: handle.targets,
      backupId: args.backupId,
      labels: snapshotLabels({
        backupId: args.backupId,
        member: ctx.workload.name,
        ...(args.repository ? { repository: args.repository } : {}),
      }),
      deadlineMs: parseDuration(args.deadline),
      signal: ctx.signal,
    });
    return {
      volumeSnapshots: handle.set.records.map((r) => r.volumeSnapshot),
      cutMs: Math.round(performance.now() - started),
    };
  },
});
