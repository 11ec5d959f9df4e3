import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../engine/errors.ts';
import {
  chooseSnapshotClass,
  cut,
  restorePvcManifest,
  snapshotName,
  VolumeSnapshotError,
  type VolumeSnapshotApi,
  type VolumeSnapshotObject,
} from '../../../engine/kube/volume-snapshots/index.ts';

const cls = (name: string, driver: string, isDefault = false) => ({
  metadata: {
    name,
    ...(isDefault && { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } }),
  },
  driver,
});

describe('chooseSnapshotClass', () => {
  const classes = [cls('fast', 'a.csi'), cls('std', 'a.csi', true), cls('b-default', 'b.csi', true)];
  it.each([
    ['requested wins', 'fast', 'a.csi', 'fast'],
    ['default of the driver', undefined, 'a.csi', 'std'],
    ['default of another driver', undefined, 'b.csi', 'b-default'],
  ])('%s', (_, requested, driver, expected) => {
    expect(chooseSnapshotClass({ requested, driver, classes, pvc: 'data' })).toBe(expected);
  });
  it.each([
    ['unknown requested', 'nope', 'a.csi', 'VolumeSnapshotClass nope (for PVC data) does not exist'],
    [
      'requested for another driver',
      'fast',
      'b.csi',
      'VolumeSnapshotClass fast is for driver a.csi, but PVC data is on b.csi',
    ],
    ['no default', undefined, 'c.csi', 'no default VolumeSnapshotClass for CSI driver c.csi (PVC data)'],
  ])('%s is a UsageError', (_, requested, driver, message) => {
    const call = () => chooseSnapshotClass({ requested, driver, classes, pvc: 'data' });
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
  it('refuses two defaults for one driver', () => {
    expect(() =>
      chooseSnapshotClass({ driver: 'a.csi', classes: [...classes, cls('x', 'a.csi', true)], pvc: 'data' }),
    ).toThrow('several default VolumeSnapshotClasses for CSI driver a.csi');
  });
});

describe('names and manifests', () => {
  it('makes DNS-1123 snapshot names', () => {
    expect(snapshotName('20261125T191111Z-AF00', 'data_orders-db-0')).toBe(
      'lifeboat-20261125t191111z-af00-data-orders-db-0',
    );
  });
  it('builds a restore PVC whose dataSource is the snapshot', () => {
    expect(
      restorePvcManifest({
        name: 'data-0',
        namespace: 'shop',
        volumeSnapshot: 'snap',
        storageClass: 'gold',
        size: '5Gi',
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-0', namespace: 'shop', labels: {} },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '5Gi' } },
        storageClassName: 'gold',
        dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' },
      },
    });
  });
});

/** A fake API whose snapshots get a creationTime after `cutAfterPolls` polls (never when undefined). */
function fakeApi(options: { cutAfterPolls?: number; error?: string }) {
  const created: string[] = [];
  const deleted: string[] = [];
  let polls = 0;
  const api: VolumeSnapshotApi = {
    createSnapshot: (_ns, body) => {
      created.push((body as { metadata: { name: string } }).metadata.name);
      return Promise.resolve({});
    },
    getSnapshot: () => {
      polls++;
      const status: VolumeSnapshotObject['status'] = {
        ...(options.cutAfterPolls !== undefined &&
          polls > options.cutAfterPolls && { creationTime: '2026-01-01T00:00:00Z' }),
        ...(options.error && { error: { message: options.error } }),
      };
      return Promise.resolve({ status });
    },
    listSnapshots: () => Promise.resolve([]),
    deleteSnapshot: (_ns, name) => {
      deleted.push(name);
      return Promise.resolve();
    },
    getContent: () => Promise.resolve(undefined),
    listClasses: () => Promise.resolve([]),
    getPvc: () => Promise.resolve(undefined),
    getPv: () => Promise.resolve(undefined),
    createPvc: () => Promise.resolve({}),
    createContent: () => Promise.resolve(),
  };
  return { api, created, deleted };
}

const targets = [
  { pvc: 'data-0', driver: 'a.csi', volumeHandle: 'v0', snapshotClass: 'std' },
  { pvc: 'wal-0', driver: 'a.csi', volumeHandle: 'v1', snapshotClass: 'std' },
];
const cutOptions = (deadlineMs: number) => ({
  namespace: 'shop',
  targets,
  backupId: 'b1',
  labels: {},
  deadlineMs,
  signal: new AbortController().signal,
  pollMs: 5,
});

describe('cut', () => {
  it('resolves once every snapshot has a creationTime, deleting nothing', async () => {
    const f = fakeApi({ cutAfterPolls: 4 });
    const set = await cut(f.api, cutOptions(5_000));
    expect(set.records.map((r) => [r.pvc, r.volumeSnapshot, r.creationTime])).toEqual([
      ['data-0', 'lifeboat-b1-data-0', '2026-01-01T00:00:00Z'],
      ['wal-0', 'lifeboat-b1-wal-0', '2026-01-01T00:00:00Z'],
    ]);
    expect(f.deleted).toEqual([]);
  });
  it('past the deadline deletes every snapshot it created and fails (retryable)', async () => {
    const f = fakeApi({});
    const error = await cut(f.api, cutOptions(50)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VolumeSnapshotError);
    expect((error as VolumeSnapshotError).retryable).toBe(true);
    expect((error as Error).message).toContain('had no creationTime within the freeze deadline (50 ms)');
    expect(f.deleted.sort()).toEqual([...f.created].sort());
    expect(f.created).toHaveLength(2);
  });
  it('a snapshot error fails at once and deletes them', async () => {
    const f = fakeApi({ error: 'driver refused' });
    await expect(cut(f.api, cutOptions(5_000))).rejects.toThrow('failed: driver refused');
    expect(f.deleted).toHaveLength(2);
  });
});
