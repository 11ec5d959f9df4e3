/**
 * The test VolumeSnapshot machinery itself: the real snapshot-controller and csi-snapshotter
 * (external-snapshotter v8.7.0) against the test API server, with csi-localdir as the CSI
 * driver. A VolumeSnapshot of a statically bound PVC becomes ready and its content's handle
 * names a copy of the volume; a PVC restored from it gets a copy through the driver's
 * CreateVolume; deleting the VolumeSnapshot deletes the copy through DeleteSnapshot.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKube, type KubeServer } from '../../../testcontainers/index.ts';
import { startCsiSnapshots, type CsiSnapshotRig } from '../../../testcontainers/csi-snapshot.ts';
import { untilDefined } from '../../_support/wait.ts';
import { connect, createNamespace } from './_cluster.ts';
import { RawKube } from './_raw.ts';

const NS = `lb-csi-${randomBytes(3).toString('hex')}`;
const VS = 'snapshot.storage.k8s.io/v1';

describe('test VolumeSnapshot machinery (snapshot-controller + csi-snapshotter + csi-localdir)', () => {
  let kube: KubeServer;
  let rig: CsiSnapshotRig;
  let raw: RawKube;

  beforeAll(async () => {
    // A private API server: one snapshot-controller per cluster (two would race on every
    // VolumeSnapshot), and test files run in parallel.
    kube = await startKube({ name: 'kube-csi-machinery' });
    rig = await startCsiSnapshots(kube.kubeconfig);
    raw = new RawKube(kube.kubeconfig);
    await createNamespace(connect(kube.kubeconfig), NS);
  }, 120_000);

  afterAll(async () => {
    await (rig as CsiSnapshotRig | undefined)?.stop();
    await (kube as KubeServer | undefined)?.stop();
  });

  it('snapshots a bound PVC, restores a PVC from it and deletes it', async () => {
    const dir = await rig.createVolume('vol-machinery');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'file.txt'), 'before');
    await rig.bindStatic(NS, 'data', 'vol-machinery');

    const created = await raw.create({
      apiVersion: VS,
      kind: 'VolumeSnapshot',
      metadata: { name: 'snap-1', namespace: NS },
      spec: { source: { persistentVolumeClaimName: 'data' } },
    });
    expect(created.status).toBe(201);
    const status = await untilDefined('snapshot ready', async () => {
      const s = (await raw.get(VS, 'VolumeSnapshot', 'snap-1', NS)).body as {
        spec?: { volumeSnapshotClassName?: string };
        status?: { readyToUse?: boolean; creationTime?: string; boundVolumeSnapshotContentName?: string };
      };
      return s.status?.readyToUse === true ? s : undefined;
    });
    // The default class was chosen by the controller; the driver set the creation time.
    expect(status.spec?.volumeSnapshotClassName).toBe(rig.snapshotClass);
    expect(status.status?.creationTime).toBeTruthy();
    const content = (
      await raw.get(VS, 'VolumeSnapshotContent', status.status?.boundVolumeSnapshotContentName ?? '')
    ).body as { status?: { snapshotHandle?: string } };
    const handle = content.status?.snapshotHandle ?? '';
    expect(await readFile(join(rig.snapshotPath(handle), 'sub', 'file.txt'), 'utf8')).toBe('before');

    await writeFile(join(dir, 'sub', 'file.txt'), 'after'); // the snapshot is a copy, not a view
    const pvc = await raw.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'restored', namespace: NS },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: rig.storageClass,
        dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap-1' },
      },
    });
    expect(pvc.status).toBe(201);
    const restored = await rig.provisionFromSnapshot(NS, 'restored');
    expect(await readFile(join(restored.path, 'sub', 'file.txt'), 'utf8')).toBe('before');
    const bound = (await raw.get('v1', 'PersistentVolumeClaim', 'restored', NS)).body as {
      status?: { phase?: string };
    };
    expect(bound.status?.phase).toBe('Bound');

    expect((await raw.request('DELETE', `/apis/${VS}/namespaces/${NS}/volumesnapshots/snap-1`)).status).toBe(
      200,
    );
    await untilDefined('snapshot copy deleted', () =>
      Promise.resolve(existsSync(rig.snapshotPath(handle)) ? undefined : true),
    );
    await untilDefined('VolumeSnapshot gone', async () =>
      (await raw.get(VS, 'VolumeSnapshot', 'snap-1', NS)).status === 404 ? true : undefined,
    );
  }, 120_000);
});
