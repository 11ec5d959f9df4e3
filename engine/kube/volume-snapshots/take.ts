/**
 * Taking one VolumeSnapshot per PVC of a workload inside a write fence. `resolveTargets`
 * reads everything it needs (PVC → PV → CSI driver → class) before the fence; `cut`
 * creates the snapshots and waits until each has `status.creationTime` (the storage has
 * taken the cut, so the fence may go), bounded by the freeze deadline: past it, or on a
 * snapshot error, every snapshot it created is deleted and it throws. `waitReady` then
 * waits, outside the window, for `readyToUse` and reads each content's handle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LifeboatError, UsageError } from '../../errors.ts';
import type { VolumeSnapshotApi, VolumeSnapshotObject } from './api.ts';
import { SNAPSHOT_GROUP, SNAPSHOT_VERSION } from './api.ts';
import { chooseSnapshotClass } from './choose-class.ts';

/** A volume snapshot failed or did not arrive in time; nothing it created is left behind. */
export class VolumeSnapshotError extends LifeboatError {}

/** One PVC to snapshot, resolved before the fence. */
export interface SnapshotTarget {
  readonly pvc: string;
  readonly driver: string;
  readonly volumeHandle: string;
  readonly snapshotClass: string;
  readonly storageClass?: string;
  readonly size?: string;
}

/** What the manifest records for one snapshot (names and handles, no secrets). */
export interface SnapshotRecord {
  readonly pvc: string;
  readonly namespace: string;
  readonly volumeSnapshot: string;
  readonly snapshotClass: string;
  readonly driver: string;
  readonly storageClass?: string;
  readonly size?: string;
  readonly creationTime?: string;
  readonly content?: string;
  readonly snapshotHandle?: string;
  readonly restoreSize?: string;
}

/** Resolve each PVC's CSI driver and snapshot class. @throws UsageError for a PVC that cannot be snapshotted. */
export async function resolveTargets(
  api: VolumeSnapshotApi,
  input: { readonly namespace: string; readonly pvcs: readonly string[]; readonly requestedClass?: string },
): Promise<SnapshotTarget[]> {
  if (input.pvcs.length === 0) throw new UsageError('the workload has no PersistentVolumeClaims to snapshot');
  const classes = await api.listClasses();
  return Promise.all(
    input.pvcs.map(async (name) => {
      const pvc = await api.getPvc(input.namespace, name);
      if (!pvc) throw new UsageError(`PersistentVolumeClaim ${input.namespace}/${name} does not exist`);
      const pvName = pvc.spec?.volumeName;
      if (pvc.status?.phase !== 'Bound' || !pvName)
        throw new UsageError(`PersistentVolumeClaim ${input.namespace}/${name} is not bound`);
      const csi = (await api.getPv(pvName))?.spec?.csi;
      if (!csi?.driver || !csi.volumeHandle)
        throw new UsageError(
          `PersistentVolume ${pvName} (PVC ${name}) is not a CSI volume: it cannot be snapshotted`,
        );
      const size = pvc.spec.resources?.requests?.storage;
      return {
        pvc: name,
        driver: csi.driver,
        volumeHandle: csi.volumeHandle,
        snapshotClass: chooseSnapshotClass({
          requested: input.requestedClass,
          driver: csi.driver,
          classes,
          pvc: name,
        }),
        ...(pvc.spec.storageClassName && { storageClass: pvc.spec.storageClassName }),
        ...(size && { size }),
      };
    }),
  );
}

/** A DNS-1123 name for the snapshot of `pvc` in backup `backupId`. */
export function snapshotName(backupId: string, pvc: string): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `lifeboat-${clean(backupId)}-${clean(pvc)}`.slice(0, 253).replace(/-+$/, '');
}

/** Snapshots taken by `cut`; `deleteAll` is idempotent. */
export interface VolumeSnapshotSet {
  readonly namespace: string;
  readonly records: readonly SnapshotRecord[];
  /** Wait for `readyToUse` on every snapshot and read the contents' handles. */
  waitReady(timeoutMs: number, signal: AbortSignal): Promise<SnapshotRecord[]>;
  deleteAll(): Promise<void>;
}

export interface CutOptions {
  readonly namespace: string;
  readonly targets: readonly SnapshotTarget[];
  readonly backupId: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Time allowed from the first create until every snapshot has a creationTime. */
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  /** @default 100 */
  readonly pollMs?: number;
}

const failureOf = (s: VolumeSnapshotObject | undefined) => s?.status?.error?.message;

/** Create the snapshots and wait for every creationTime (see module comment). */
export async function cut(api: VolumeSnapshotApi, options: CutOptions): Promise<VolumeSnapshotSet> {
  const started = performance.now();
  const created: string[] = [];
  const deleteAll = async () => {
    await Promise.all(created.map((name) => api.deleteSnapshot(options.namespace, name)));
  };
  const records = new Map<string, SnapshotRecord>();
  try {
    await Promise.all(
      options.targets.map(async (t) => {
        const name = snapshotName(options.backupId, t.pvc);
        await api.createSnapshot(options.namespace, {
          apiVersion: `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`,
          kind: 'VolumeSnapshot',
          metadata: { name, namespace: options.namespace, labels: { ...options.labels } },
          spec: { volumeSnapshotClassName: t.snapshotClass, source: { persistentVolumeClaimName: t.pvc } },
        });
        created.push(name);
        records.set(name, {
          pvc: t.pvc,
          namespace: options.namespace,
          volumeSnapshot: name,
          snapshotClass: t.snapshotClass,
          driver: t.driver,
          ...(t.storageClass && { storageClass: t.storageClass }),
          ...(t.size && { size: t.size }),
        });
      }),
    );
    const pending = new Set(created);
    while (pending.size > 0) {
      if (options.signal.aborted) throw new VolumeSnapshotError('volume snapshot cancelled');
      for (const name of [...pending]) {
        const s = await api.getSnapshot(options.namespace, name);
        const error = failureOf(s);
        if (error)
          throw new VolumeSnapshotError(`VolumeSnapshot ${options.namespace}/${name} failed: ${error}`);
        const creationTime = s?.status?.creationTime;
        if (creationTime) {
          pending.delete(name);
          const r = records.get(name);
          if (r) records.set(name, { ...r, creationTime });
        }
      }
      if (pending.size === 0) break;
      if (performance.now() - started > options.deadlineMs) {
        throw new VolumeSnapshotError(
          `VolumeSnapshot ${[...pending].map((n) => `${options.namespace}/${n}`).join(', ')} had no creationTime within the freeze deadline (${options.deadlineMs} ms): the storage did not take the cut in time; the snapshots were deleted`,
          { retryable: true },
        );
      }
      await sleep(options.pollMs ?? 100);
    }
  } catch (error) {
    await deleteAll().catch(() => undefined);
    if (error instanceof LifeboatError) throw error;
    throw new VolumeSnapshotError(`volume snapshot failed: ${(error as Error).message}`, { cause: error });
  }
  let current = [...records.values()];
  return {
    namespace: options.namespace,
    get records() {
      return current;
    },
    async waitReady(timeoutMs, signal) {
      const until = performance.now() + timeoutMs;
      const done = new Map<string, SnapshotRecord>();
      while (done.size < current.length) {
        for (const r of current) {
          if (done.has(r.volumeSnapshot)) continue;
          const s = await api.getSnapshot(options.namespace, r.volumeSnapshot);
          const error = failureOf(s);
          if (error)
            throw new VolumeSnapshotError(
              `VolumeSnapshot ${options.namespace}/${r.volumeSnapshot} failed: ${error}`,
            );
          const contentName = s?.status?.boundVolumeSnapshotContentName;
          if (s?.status?.readyToUse !== true || !contentName) continue;
          const handle = (await api.getContent(contentName))?.status?.snapshotHandle;
          if (!handle) continue;
          done.set(r.volumeSnapshot, {
            ...r,
            content: contentName,
            snapshotHandle: handle,
            ...(s.status.restoreSize && { restoreSize: s.status.restoreSize }),
          });
        }
        if (done.size === current.length) break;
        if (signal.aborted) throw new VolumeSnapshotError('waiting for the volume snapshots was cancelled');
        if (performance.now() > until)
          throw new VolumeSnapshotError(`volume snapshots not ready to use within ${timeoutMs} ms`);
        await sleep(200);
      }
      current = current.map((r) => done.get(r.volumeSnapshot) ?? r);
      return current;
    },
    deleteAll,
  };
}
