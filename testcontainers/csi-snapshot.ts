/**
 * Real VolumeSnapshot machinery on the test API server, for the freeze-snapshot tests:
 * the VolumeSnapshot CRDs from external-snapshotter's client module, `snapshot-controller`
 * and the `csi-snapshotter` sidecar (external-snapshotter v8.7.0) as local processes with
 * `--kubeconfig`, and `csi-localdir` (testcontainers/csi-localdir), a CSI driver whose
 * volumes are directories. All built by `testcontainers/install csi_snapshot`.
 *
 * The test cluster has no kube-controller-manager and no external-provisioner: this
 * harness binds PersistentVolumeClaims itself (static PVs for the workloads' volumes; for
 * a restore, `provisionFromSnapshot` calls the driver's real CreateVolume with the
 * snapshot's handle and binds the claim, standing in for the provisioner only there).
 * One rig per API server at a time: two snapshot-controllers race on every VolumeSnapshot
 * and two sidecars of the same driver on every content, so tests give each rig a private
 * API server (`startKube`), not the shared one.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { TestServerError } from './errors.ts';
import { kubeCall, kubeRequest, loadKubeconfig } from './_kube-request.ts';
import {
  CACHE_BIN,
  CACHE_DIR,
  removeDir,
  serverDir,
  startProcess,
  waitUntil,
  withCleanup,
  type ServerProcess,
} from './_process.ts';

const run = promisify(execFile);

export const CSI_LOCALDIR_DRIVER = 'localdir.csi.lifeboat.dev';
export const CSI_SNAPSHOT_CLASS = 'lifeboat-localdir';
export const CSI_STORAGE_CLASS = 'lifeboat-localdir';
const CRD_DIR = join(CACHE_DIR, 'csi-snapshot-crds');
/**
 * Failed steps retry after 1 s doubling up to 5 s (default 5 min), and every object is
 * resynced each 10 s (default 15 min): a VolumeSnapshot deleted while its content is
 * still being created is skipped then and only looked at again on resync (seen in the
 * freeze-deadline test), so a test must not wait a default period for it.
 */
const RETRY_ARGS = ['--retry-interval-start=1s', '--retry-interval-max=5s', '--resync-period=10s'];

export interface CsiSnapshotRig {
  readonly driver: string;
  readonly snapshotClass: string;
  readonly storageClass: string;
  /** The driver's store: `volumes/<id>` and `snapshots/<id>` directories. */
  readonly root: string;
  /** Logs of the three processes. */
  readonly logs: { readonly driver: string; readonly controller: string; readonly sidecar: string };
  /** Directory of volume `id`. */
  volumePath(id: string): string;
  /** Directory of snapshot `handle` (a VolumeSnapshotContent's `status.snapshotHandle`). */
  snapshotPath(handle: string): string;
  /** An empty volume made by the driver's CreateVolume, owned by `owner` when given. */
  createVolume(id: string, owner?: { uid: number; gid: number }): Promise<string>;
  /** A PVC `name` in `namespace` bound to a static CSI PV whose handle is `volumeId`. */
  bindStatic(namespace: string, name: string, volumeId: string): Promise<void>;
  /**
   * Stand-in for the external-provisioner: for the PVC `name` whose `dataSource` is a
   * VolumeSnapshot, CreateVolume from the snapshot's handle (a real CSI call), then a PV
   * bound to the claim. Resolves with the new volume's directory.
   */
  provisionFromSnapshot(namespace: string, name: string): Promise<{ volumeId: string; path: string }>;
  /** Makes the driver's CreateSnapshot wait `ms` first (a slow backend); 0 turns it off. */
  setCreateDelay(ms: number): Promise<void>;
  stop(): Promise<void>;
}

function missing(server: string, what: string): TestServerError {
  return new TestServerError(
    server,
    `${what} not found; install with \`testcontainers/install csi_snapshot\``,
  );
}

interface Meta {
  metadata?: { uid?: string; name?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

async function installCrds(kc: KubeConfig): Promise<void> {
  const files = (await readdir(CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  for (const file of files) {
    const crd: unknown = parse(await readFile(join(CRD_DIR, file), 'utf8'));
    await kubeCall(kc, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd, {
      ok: [409],
    });
  }
  const served = async (group: string, names: readonly string[]) => {
    const res = await kubeRequest(kc, 'GET', `/apis/${group}`);
    const have = ((res.body as { resources?: { name: string }[] } | undefined)?.resources ?? []).map(
      (r) => r.name,
    );
    return names.every((n) => have.includes(n));
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (
      (await served('snapshot.storage.k8s.io/v1', [
        'volumesnapshots',
        'volumesnapshotcontents',
        'volumesnapshotclasses',
      ])) &&
      (await served('groupsnapshot.storage.k8s.io/v1', ['volumegroupsnapshots']).catch(() => false))
    )
      return;
    if (Date.now() > deadline) throw new Error('VolumeSnapshot CRDs not served after 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves once `proc`'s log contains `text` (the controllers log when their caches are synced). */
async function logged(server: string, proc: ServerProcess, text: string): Promise<void> {
  await waitUntil(
    server,
    proc,
    async () => ((await readFile(proc.logPath, 'utf8')).includes(text) ? true : undefined),
    90_000,
  );
}

/**
 * Starts the driver, snapshot-controller and csi-snapshotter against the API server of
 * `kubeconfig`, installs the CRDs, a default VolumeSnapshotClass and a StorageClass.
 * @throws TestServerError naming the install command when a binary is missing.
 */
export async function startCsiSnapshots(kubeconfig: string): Promise<CsiSnapshotRig> {
  const name = 'csi-snapshot';
  for (const bin of ['csi-localdir', 'snapshot-controller', 'csi-snapshotter']) {
    if (!existsSync(join(CACHE_BIN, bin))) throw missing(name, bin);
  }
  if (!existsSync(CRD_DIR)) throw missing(name, 'the VolumeSnapshot CRDs');
  const kc = loadKubeconfig(kubeconfig);
  const dir = await serverDir(name);
  // Volumes hold data directories of servers running as another user (PostgreSQL as nobody).
  await chmod(dir, 0o755);
  return withCleanup(dir, async (onFail) => {
    await installCrds(kc);
    const root = join(dir, 'store');
    const socket = join(dir, 'csi.sock');
    const endpoint = `unix://${socket}`;
    const procs: ServerProcess[] = [];
    const stopAll = async () => {
      for (const p of procs.reverse()) await p.stop('SIGTERM', 5_000);
    };
    onFail(stopAll);
    const driverProc = await startProcess({
      command: join(CACHE_BIN, 'csi-localdir'),
      args: ['serve', `--endpoint=${endpoint}`, `--root=${root}`, `--name=${CSI_LOCALDIR_DRIVER}`],
      logPath: join(dir, 'csi-localdir.log'),
      cwd: dir,
    });
    procs.push(driverProc);
    await waitUntil(name, driverProc, () => Promise.resolve(existsSync(socket) ? true : undefined), 30_000);
    const controller = await startProcess({
      command: join(CACHE_BIN, 'snapshot-controller'),
      args: [`--kubeconfig=${kubeconfig}`, '--leader-election=false', '--v=4', ...RETRY_ARGS],
      logPath: join(dir, 'snapshot-controller.log'),
      cwd: dir,
    });
    procs.push(controller);
    const sidecar = await startProcess({
      command: join(CACHE_BIN, 'csi-snapshotter'),
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--csi-address=${socket}`,
        '--leader-election=false',
        '--v=4',
        ...RETRY_ARGS,
      ],
      logPath: join(dir, 'csi-snapshotter.log'),
      cwd: dir,
    });
    procs.push(sidecar);
    await kubeCall(
      kc,
      'POST',
      '/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses',
      {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotClass',
        metadata: {
          name: CSI_SNAPSHOT_CLASS,
          annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' },
        },
        driver: CSI_LOCALDIR_DRIVER,
        deletionPolicy: 'Delete',
      },
      { ok: [409] },
    );
    await kubeCall(
      kc,
      'POST',
      '/apis/storage.k8s.io/v1/storageclasses',
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: CSI_STORAGE_CLASS },
        provisioner: CSI_LOCALDIR_DRIVER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      },
      { ok: [409] },
    );
    // Both controllers must have synced before a test creates a snapshot. (Without the
    // VolumeGroupSnapshot CRDs the snapshot-controller would wait 30 s for them first.)
    await logged(name, controller, 'controller initialized');
    await logged(name, sidecar, 'controller initialized');

    const volumePath = (id: string) => join(root, 'volumes', id);
    const bind = async (namespace: string, claim: string, volumeId: string, existing: boolean) => {
      const pvName = `pv-${namespace}-${claim}`.slice(0, 63).replace(/-+$/, '');
      const pvcPath = `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claim}`;
      const spec = {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: CSI_STORAGE_CLASS,
      };
      const pvc = existing
        ? ((await kubeCall(kc, 'GET', pvcPath)) as Meta)
        : ((await kubeCall(kc, 'POST', `/api/v1/namespaces/${namespace}/persistentvolumeclaims`, {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: claim, namespace },
            spec: { ...spec, volumeName: pvName },
          })) as Meta);
      await kubeCall(kc, 'POST', '/api/v1/persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: CSI_STORAGE_CLASS,
          csi: { driver: CSI_LOCALDIR_DRIVER, volumeHandle: volumeId },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace,
            name: claim,
            uid: pvc.metadata?.uid,
          },
        },
      });
      const merge = { contentType: 'application/merge-patch+json' };
      await kubeCall(
        kc,
        'PATCH',
        `/api/v1/persistentvolumes/${pvName}/status`,
        { status: { phase: 'Bound' } },
        merge,
      );
      if (existing) await kubeCall(kc, 'PATCH', pvcPath, { spec: { volumeName: pvName } }, merge);
      await kubeCall(
        kc,
        'PATCH',
        `${pvcPath}/status`,
        { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } },
        merge,
      );
    };
    const createVolumeCall = async (id: string, snapshot?: string): Promise<string> => {
      const { stdout } = await run(join(CACHE_BIN, 'csi-localdir'), [
        'create-volume',
        `--endpoint=${endpoint}`,
        `--name=${id}`,
        ...(snapshot ? [`--snapshot=${snapshot}`] : []),
      ]);
      return (JSON.parse(stdout) as { volumeId: string }).volumeId;
    };

    return {
      driver: CSI_LOCALDIR_DRIVER,
      snapshotClass: CSI_SNAPSHOT_CLASS,
      storageClass: CSI_STORAGE_CLASS,
      root,
      logs: { driver: driverProc.logPath, controller: controller.logPath, sidecar: sidecar.logPath },
      volumePath,
      snapshotPath: (handle) => join(root, 'snapshots', handle),
      async createVolume(id, owner) {
        await createVolumeCall(id);
        if (owner) await chown(volumePath(id), owner.uid, owner.gid);
        return volumePath(id);
      },
      bindStatic: (namespace, claim, volumeId) => bind(namespace, claim, volumeId, false),
      async provisionFromSnapshot(namespace, claim) {
        const pvc = (await kubeCall(
          kc,
          'GET',
          `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claim}`,
        )) as Meta & { spec?: { dataSource?: { kind?: string; name?: string } } };
        const source = pvc.spec?.dataSource;
        if (source?.kind !== 'VolumeSnapshot' || !source.name)
          throw new Error(`PVC ${namespace}/${claim} has no VolumeSnapshot dataSource`);
        const vs = (await kubeCall(
          kc,
          'GET',
          `/apis/snapshot.storage.k8s.io/v1/namespaces/${namespace}/volumesnapshots/${source.name}`,
        )) as Meta;
        const contentName = vs.status?.boundVolumeSnapshotContentName;
        if (typeof contentName !== 'string' || vs.status?.readyToUse !== true)
          throw new Error(`VolumeSnapshot ${namespace}/${source.name} is not bound and ready`);
        const content = (await kubeCall(
          kc,
          'GET',
          `/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/${contentName}`,
        )) as Meta;
        const handle = content.status?.snapshotHandle;
        if (typeof handle !== 'string') throw new Error(`VolumeSnapshotContent ${contentName} has no handle`);
        const volumeId = await createVolumeCall(`pvc-${pvc.metadata?.uid ?? claim}`, handle);
        await bind(namespace, claim, volumeId, true);
        return { volumeId, path: volumePath(volumeId) };
      },
      async setCreateDelay(ms) {
        const file = join(root, 'create-snapshot-delay');
        if (ms > 0) await writeFile(file, String(ms));
        else await rm(file, { force: true });
      },
      async stop() {
        await stopAll();
        await removeDir(dir);
      },
    };
  });
}

/** Creates `path` (and parents) owned by `owner`, for a database's data directory inside a volume. */
export async function ownedDir(path: string, owner?: { uid: number; gid: number }): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (owner) await chown(path, owner.uid, owner.gid);
}
