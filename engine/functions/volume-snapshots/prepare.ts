import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import {
  resolveTargets,
  SNAPSHOT_CLASS_ANNOTATION,
  type VolumeSnapshotApi,
} from '../../kube/volume-snapshots/index.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { discardUnlessKept, VOLUME_SNAPSHOTS_HANDLE, type VolumeSnapshotsHandle } from './handle.ts';
import { defaultVolumeSnapshotApi } from './kube-api.ts';

/**
 * `kube.prepareVolumeSnapshots`: before any fence, resolve each PVC of the workload to its
 * CSI driver and VolumeSnapshotClass (`snapshotClass` arg, else the workload's
 * `lifeboat.dev/snapshot-class` annotation, else the driver's default class).
 */
export function makePrepareVolumeSnapshotsFunction(
  api: () => VolumeSnapshotApi = defaultVolumeSnapshotApi,
): BlueprintFunction {
  return defineFunction({
    name: 'kube.prepareVolumeSnapshots',
    description: "Resolve the workload's PVCs to CSI drivers and VolumeSnapshotClasses (before the fence).",
    args: z.strictObject({
      snapshotClass: z
        .string()
        .nullable()
        .optional()
        .describe('VolumeSnapshotClass; default: annotation, then the driver default'),
    }),
    outputs: ['volumes', 'pvcs'],
    async exec(args, ctx) {
      const w = ctx.workload;
      const namespace = w.owner?.namespace ?? w.namespace;
      if (w.source !== 'kubernetes' || namespace === undefined || w.pvcs.length === 0) {
        throw new UsageError(
          `workload "${w.name}": a volume snapshot needs a Kubernetes workload with PersistentVolumeClaims`,
          { workload: w.name, phase: ctx.where.phase },
        );
      }
      const client = api();
      const requestedClass = args.snapshotClass ?? w.annotations[SNAPSHOT_CLASS_ANNOTATION];
      const targets = await resolveTargets(client, {
        namespace,
        pvcs: w.pvcs,
        ...(requestedClass && { requestedClass }),
      });
      const handle: VolumeSnapshotsHandle = { api: client, namespace, targets, kept: false };
      const id = ctx.handles.put(VOLUME_SNAPSHOTS_HANDLE, handle, () => discardUnlessKept(handle));
      return { volumes: id, pvcs: targets.map((t) => t.pvc) };
    },
  });
}
