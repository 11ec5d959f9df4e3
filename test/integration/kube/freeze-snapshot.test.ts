/**
 * freeze-snapshot end to end on real machinery: the test API server, the real
 * snapshot-controller and csi-snapshotter (external-snapshotter v8.7.0), the csi-localdir
 * driver and a real PostgreSQL whose data directory is a CSI volume (statically bound PVC
 * of a discovered StatefulSet). Writers run during the backup; the fence window is short
 * and recorded; the VolumeSnapshot is restored into another namespace through the restore
 * mapping (imported there, PVC with dataSource; the harness stands in for the provisioner
 * only to bind that PVC), PostgreSQL starts on the restored directory with the stored
 * backup label and WAL, and its fingerprint equals the capture's. A snapshot that never
 * gets a creationTime within the freeze deadline fails the backup cleanly.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdapter, prepareVolumeRestore } from '../../../adapters/postgres/index.ts';
import { createKubeClient, discover, toApplication } from '../../../engine/kube/index.ts';
import { readPvcStorageClasses } from '../../../engine/kube/storage-classes.ts';
import {
  cut,
  resolveTargets,
  REPOSITORY_LABEL,
  restoreVolumes,
  snapshotLabels,
  volumeSnapshotApi,
  type SnapshotRecord,
} from '../../../engine/kube/volume-snapshots/index.ts';
import { KubeError } from '../../../engine/kube/kube-client.ts';
import { loadKubeConfig } from '../../../engine/kube/kube-client.ts';
import { freezeWindowMs } from '../../../engine/metrics/index.ts';
import type { Application, Workload } from '../../../engine/model/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { runBackup } from '../../../engine/runs/backup.ts';
import { runRestore } from '../../../engine/runs/restore.ts';
import { loadEngineSetup } from '../../../engine/runs/engine-setup.ts';
import { mapRestoreTargets } from '../../../engine/runs/restore-mapping.ts';
import { startKube, type KubeServer, type PostgresServer } from '../../../testcontainers/index.ts';
import { startCsiSnapshots, type CsiSnapshotRig } from '../../../testcontainers/csi-snapshot.ts';
import { startPostgresInDir } from '../../../testcontainers/postgres-in-dir.ts';
import { unprivilegedUser } from '../../../testcontainers/_process.ts';
import { workloadOf } from '../postgres/helpers.ts';
import { pgConnect } from '../../_support/sql.ts';
import { untilDefined } from '../../_support/wait.ts';
import { connect, createNamespace, createOrdersDb } from './_cluster.ts';
import { renderChart } from './_helm.ts';
import { impersonatingKubeConfig, RawKube, type KubeObject } from './_raw.ts';

const suffix = randomBytes(3).toString('hex');
const NS = `lb-fsnap-${suffix}`;
const TARGET_NS = `lb-fsnap-restore-${suffix}`;
const DB = 'orders';
const PVC = 'data-orders-db-0';
const CLI = resolve(import.meta.dirname, '../../../engine/cli/main.ts');

async function readChunks(stream: AsyncIterable<unknown>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return chunks;
}

/** Inserts rows as fast as it can until stopped; resolves with the number of rows written. */
function startWriter(server: PostgresServer, database: string) {
  const state = { stop: false };
  const done = (async () => {
    const client = await pgConnect(server, database);
    let n = 0;
    try {
      while (!state.stop) {
        await client.query("INSERT INTO orders (item) VALUES ('w-' || clock_timestamp())");
        n++;
      }
    } finally {
      await client.end();
    }
    return n;
  })();
  return {
    async stop() {
      state.stop = true;
      return done;
    },
  };
}

describe('freeze-snapshot: PostgreSQL on a CSI volume, real snapshot machinery', () => {
  let kube: KubeServer;
  let rig: CsiSnapshotRig;
  let source: PostgresServer;
  let restored: PostgresServer | undefined;
  let work = '';
  let raw: RawKube;
  let application: Application;
  let storageClasses: Record<string, string>;
  const previousKubeconfig = process.env.KUBECONFIG;

  beforeAll(async () => {
    // A private API server: one snapshot-controller per cluster (two would race on every
    // VolumeSnapshot), and test files run in parallel.
    kube = await startKube({ name: 'kube-fsnap' });
    process.env.KUBECONFIG = kube.kubeconfig; // the volume-snapshot functions use the default config
    rig = await startCsiSnapshots(kube.kubeconfig);
    raw = new RawKube(kube.kubeconfig);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-fsnap-'));
    const owner = unprivilegedUser();
    const volume = await rig.createVolume(`vol-${suffix}`, owner);
    source = await startPostgresInDir({ name: 'postgres-fsnap', dataDir: volume });
    const admin = await pgConnect(source, 'postgres');
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    const db = await pgConnect(source, DB);
    await db.query(`CREATE TABLE orders (id bigserial PRIMARY KEY, item text NOT NULL);
      INSERT INTO orders (item) SELECT 'item-' || g FROM generate_series(1, 20000) g;`);
    await db.end();

    const c = connect(kube.kubeconfig);
    for (const ns of [NS, TARGET_NS]) {
      await createNamespace(c, ns);
      await createOrdersDb(c, ns, source, DB, { claimTemplates: ['data'] });
    }
    await rig.bindStatic(NS, PVC, `vol-${suffix}`);
    const found = await discover(createKubeClient({ kubeconfig: kube.kubeconfig }), { namespace: NS });
    const app = found.applications.find((a) => a.name === 'shop');
    if (!app) throw new Error(`application shop not discovered: ${JSON.stringify(found.skipped)}`);
    application = toApplication(app);
    storageClasses = await readPvcStorageClasses(createKubeClient({ kubeconfig: kube.kubeconfig }), NS);
  }, 300_000);

  afterAll(async () => {
    if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previousKubeconfig;
    await restored?.stop();
    await (source as PostgresServer | undefined)?.stop();
    await (rig as CsiSnapshotRig | undefined)?.stop();
    await (kube as KubeServer | undefined)?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  interface VolumeSnapshotView {
    metadata: { name: string; deletionTimestamp?: string; finalizers?: string[] };
    status?: unknown;
  }

  async function volumeSnapshotObjects(): Promise<VolumeSnapshotView[]> {
    const list = (
      await raw.request('GET', `/apis/snapshot.storage.k8s.io/v1/namespaces/${NS}/volumesnapshots`)
    ).body as { items?: VolumeSnapshotView[] };
    return list.items ?? [];
  }

  async function volumeSnapshotNames(): Promise<string[]> {
    return (await volumeSnapshotObjects()).map((i) => i.metadata.name);
  }

  async function openRepository(name: string) {
    const store = new LocalStore(join(work, name));
    const key = Buffer.from(randomBytes(32).toString('base64'));
    await Repository.init(store, { key });
    return Repository.open(store, { key });
  }

  it('captures while writers run, with a short fence, and restores to an equal fingerprint', async () => {
    const workload = application.workloads[0] as Workload;
    expect(workload.pvcs).toEqual([PVC]);
    const repository = await openRepository('repo');
    const writer = startWriter(source, DB);
    let written: number;
    const phaseMs: string[] = [];
    let outcome: Awaited<ReturnType<typeof runBackup>>;
    try {
      await new Promise((r) => setTimeout(r, 300));
      outcome = await runBackup(
        { application, options: { strategy: 'freeze-snapshot', freezeDeadline: '20s' }, storageClasses },
        await loadEngineSetup(),
        repository,
        {
          signal: new AbortController().signal,
          onEvent: (e) => {
            if (e.type === 'phase.end') phaseMs.push(`${e.phase} ${Math.round(e.durationMs)}`);
          },
        },
      );
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      written = await writer.stop();
    }
    const member = outcome.manifest.members[0];
    expect(member?.details.strategy).toBe('freeze-snapshot');
    // The fence window is recorded (lifeboat_freeze_window_seconds reads it) and short.
    const windowMs = freezeWindowMs(outcome.manifest);
    expect(windowMs).toBeDefined();
    expect(windowMs).toBeLessThan(10_000);
    console.log(
      `freeze-snapshot: fence window ${windowMs} ms, snapshots ready ${member?.details.readyMs} ms later, writer rows ${written}, WAL segments ${member?.details.walSegments}; phases (ms): ${phaseMs.join(', ')}`,
    );
    expect(written).toBeGreaterThan(0);
    expect(member?.details.volumeSnapshotNamespace).toBe(NS);
    expect(member?.details.pvcs).toBe(PVC);
    expect(member?.details.storageClasses).toBe(rig.storageClass);
    expect(member?.details.snapshotHandles).toMatch(/^snapshot-/);
    expect(member?.kubernetes?.pvcs).toEqual([{ name: PVC, storageClass: rig.storageClass }]);
    expect(JSON.stringify(outcome.manifest)).not.toContain(source.password);
    const rows =
      Object.entries(member?.fingerprint ?? {}).find(([k]) => k.endsWith('.orders'))?.[1].rows ?? 0;
    expect(rows).toBeGreaterThan(20000);
    // The snapshot is kept after the backup and ready.
    const vsName = member?.details.volumeSnapshots ?? '';
    const vs = (await raw.get('snapshot.storage.k8s.io/v1', 'VolumeSnapshot', vsName, NS)).body as {
      status?: { readyToUse?: boolean };
    };
    expect(vs.status?.readyToUse).toBe(true);

    // Restore into another namespace through the mapping.
    const artifacts = await repository.source(outcome.manifest.backupId, member?.name ?? '');
    const listed = JSON.parse(
      Buffer.concat(await readChunks(artifacts.open('volume-snapshots.json'))).toString(),
    ) as { snapshots: SnapshotRecord[] };
    const targets = await discover(createKubeClient({ kubeconfig: kube.kubeconfig }), {
      namespace: TARGET_NS,
    });
    const mapping = mapRestoreTargets(
      outcome.manifest,
      { targetNamespace: TARGET_NS },
      targets.applications.flatMap((a) => toApplication(a).workloads),
    );
    expect(mapping.problems).toEqual([]);
    const mapped = mapping.members[0];
    const volumes = await restoreVolumes(volumeSnapshotApi(loadKubeConfig(kube.kubeconfig)), {
      records: listed.snapshots,
      targetNamespace: TARGET_NS,
      placements: mapped?.pvcs ?? [],
      backupId: outcome.manifest.backupId,
    });
    expect(volumes).toEqual([{ pvc: PVC, namespace: TARGET_NS, volumeSnapshot: vsName, imported: true }]);
    const pvc = (await raw.get('v1', 'PersistentVolumeClaim', PVC, TARGET_NS)).body as {
      spec?: { dataSource?: { kind?: string; name?: string }; storageClassName?: string };
    };
    expect(pvc.spec?.dataSource).toMatchObject({ kind: 'VolumeSnapshot', name: vsName });
    expect(pvc.spec?.storageClassName).toBe(rig.storageClass);
    const volume = await rig.provisionFromSnapshot(TARGET_NS, PVC);
    const written2 = await prepareVolumeRestore(artifacts, volume.path);
    expect(written2).toContain('backup_label');
    restored = await startPostgresInDir({
      name: 'postgres-fsnap-restored',
      dataDir: volume.path,
      existing: true,
      password: source.password,
    });
    const after = await postgresAdapter.fingerprint(workloadOf(restored, [DB]), {
      signal: new AbortController().signal,
    });
    expect(after).toEqual(member?.fingerprint);

    // `lifeboat restore` is not wired for it yet: it refuses clearly instead of loading nothing.
    await expect(
      runRestore(
        {
          backupId: outcome.manifest.backupId,
          only: [],
          targets: {},
          force: false,
          verify: true,
          parallelism: 1,
          passwordFor: () => undefined,
        },
        await loadEngineSetup(),
        repository,
        { signal: new AbortController().signal, onEvent: () => undefined },
      ),
    ).rejects.toThrow(
      `member "orders-db" is a freeze-snapshot capture (VolumeSnapshots ${vsName} in namespace ${NS})`,
    );
  }, 600_000);

  it('fails cleanly when a snapshot gets no creationTime within the freeze deadline', async () => {
    const repository = await openRepository('repo-deadline');
    await rig.setCreateDelay(6_000);
    const before = new Set(await readdir(join(rig.root, 'snapshots')));
    const snapshotsBefore = await volumeSnapshotNames();
    try {
      const t0 = performance.now();
      // runBackup throws when the run fails (runFailure names the phase and the cause).
      const failure: unknown = await runBackup(
        { application, options: { strategy: 'freeze-snapshot', freezeDeadline: '1s' }, storageClasses },
        await loadEngineSetup(),
        repository,
        { signal: new AbortController().signal, onEvent: () => undefined },
      ).then(
        () => new Error('the backup succeeded'),
        (error: unknown) => error,
      );
      const failedAfterMs = performance.now() - t0;
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toContain('creationTime within the freeze deadline');
      // The fence is released: a write goes through at once.
      const client = await pgConnect(source, DB);
      await client.query('SET statement_timeout = 2000');
      await client.query("INSERT INTO orders (item) VALUES ('after-failure')");
      // The backup mode session is gone.
      const sessions = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name IN ('lifeboat-backup-mode', 'lifeboat-fence')",
      );
      expect(Number(sessions.rows[0]?.n)).toBe(0);
      await client.end();
      // Nothing visible in the repository.
      expect(await repository.list('shop')).toEqual([]);
      // Lifeboat's part, at once: the VolumeSnapshot it made is deleted or being deleted.
      const made = (await volumeSnapshotObjects()).filter((o) => !snapshotsBefore.includes(o.metadata.name));
      for (const o of made) expect(o.metadata.deletionTimestamp, o.metadata.name).toBeTruthy();
      console.log(`freeze-snapshot deadline: failed after ${Math.round(failedAfterMs)} ms (deadline 1 s)`);
      // The snapshot machinery's part (once the slow driver returns): the object and the
      // copy go. Its retries back off under load, hence the long bound; the state is
      // printed if it is not reached.
      try {
        await untilDefined(
          'VolumeSnapshots deleted',
          async () => {
            const left = (await volumeSnapshotNames()).filter((n) => !snapshotsBefore.includes(n));
            return left.length === 0 ? true : undefined;
          },
          180_000,
        );
        await untilDefined(
          'snapshot copies removed',
          async () => {
            const now = (await readdir(join(rig.root, 'snapshots'))).filter((f) => !before.has(f));
            return now.length === 0 ? true : undefined;
          },
          60_000,
        );
      } catch (error) {
        console.log(JSON.stringify(await volumeSnapshotObjects(), null, 1));
        for (const log of [rig.logs.controller, rig.logs.sidecar, rig.logs.driver]) {
          const lines = (await readFile(log, 'utf8')).split('\n');
          console.log(`--- ${log} (last 60 lines)\n${lines.slice(-60).join('\n')}`);
        }
        throw error;
      }
    } finally {
      await rig.setCreateDelay(0);
    }
    expect(existsSync(rig.root)).toBe(true);
  }, 300_000);

  it('prune --volume-snapshots deletes the snapshots of pruned and never-committed backups, and only those', async () => {
    const keyFile = join(work, 'gc-key');
    const keyText = randomBytes(32).toString('base64');
    await writeFile(keyFile, keyText);
    const repoDir = join(work, 'repo-gc');
    const store = new LocalStore(repoDir);
    await Repository.init(store, { key: Buffer.from(keyText) });
    const repository = await Repository.open(store, { key: Buffer.from(keyText) });
    const signal = new AbortController().signal;
    const backup = async () =>
      (
        await runBackup(
          { application, options: { strategy: 'freeze-snapshot', freezeDeadline: '20s' }, storageClasses },
          await loadEngineSetup(),
          repository,
          { signal, onEvent: () => undefined },
        )
      ).manifest;
    const snapshotOf = (m: { members: readonly { details: Readonly<Record<string, string>> }[] }) =>
      m.members[0]?.details.volumeSnapshots ?? '';
    const older = snapshotOf(await backup());
    const newer = snapshotOf(await backup());
    const labels = (await raw.get('snapshot.storage.k8s.io/v1', 'VolumeSnapshot', newer, NS)).body as {
      metadata: { labels?: Record<string, string> };
    };
    expect(labels.metadata.labels).toMatchObject({ [REPOSITORY_LABEL]: repository.id });

    // Stand-ins cut with the real machinery: a backup that died after its cut (lock
    // released, no manifest), one still running (lock held), and another repository's.
    const api = volumeSnapshotApi(loadKubeConfig(kube.kubeconfig));
    const targets = await resolveTargets(api, { namespace: NS, pvcs: [PVC] });
    const cutFor = async (backupId: string, repositoryId: string) =>
      (
        await cut(api, {
          namespace: NS,
          targets,
          backupId,
          labels: snapshotLabels({ backupId, member: 'orders-db', repository: repositoryId }),
          deadlineMs: 30_000,
          signal,
        })
      ).records[0]?.volumeSnapshot ?? '';
    const dead = await repository.startBackup({ app: 'shop' });
    const deadSnapshot = await cutFor(dead.backupId, repository.id);
    await dead.abort();
    const running = await repository.startBackup({ app: 'shop' });
    const runningSnapshot = await cutFor(running.backupId, repository.id);
    const foreignSnapshot = await cutFor(`${running.backupId.slice(0, -1)}x`, 'another-repository');
    try {
      const result = await execa(
        process.execPath,
        [
          CLI,
          'prune',
          '--repo',
          `file://${repoDir}`,
          '--key-file',
          keyFile,
          '--keep-last',
          '1',
          '--volume-snapshots',
          NS,
          '--volume-snapshots-min-age',
          '0s',
          '-o',
          'json',
        ],
        { env: { KUBECONFIG: kube.kubeconfig }, reject: false, all: true },
      );
      expect(result.exitCode, result.all).toBe(0);
      const report = JSON.parse(result.stdout) as {
        removed: string[];
        volumeSnapshots: { remove: { name: string }[]; keep: string[] };
      };
      expect(report.removed).toHaveLength(1);
      expect(report.volumeSnapshots.remove.map((r) => r.name).sort()).toEqual([deadSnapshot, older].sort());
      expect(report.volumeSnapshots.keep.sort()).toEqual([newer, runningSnapshot].sort());
      // Gone from the API once the snapshot machinery has deleted them; the rest stay.
      await untilDefined('collected VolumeSnapshots deleted', async () => {
        const left = new Set(await volumeSnapshotNames());
        return left.has(older) || left.has(deadSnapshot) ? undefined : left;
      });
      const left = new Set(await volumeSnapshotNames());
      for (const kept of [newer, runningSnapshot, foreignSnapshot]) expect(left.has(kept)).toBe(true);
    } finally {
      await running.abort();
      for (const name of [runningSnapshot, foreignSnapshot]) await api.deleteSnapshot(NS, name);
    }
  }, 600_000);

  it("RBAC: the chart's controller role with rbac.volumeSnapshots=true suffices for capture and restore; without it the API refuses", async () => {
    const roleOf = async (set: string[]) => {
      const objects = await renderChart('lifeboat', 'lifeboat-system', { set });
      const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'lifeboat-controller');
      if (!role) throw new Error('the chart renders no lifeboat-controller ClusterRole');
      return role;
    };
    const apply = async (object: KubeObject) => {
      const res = await raw.apply(object);
      if (res.status >= 300)
        throw new Error(`${object.kind} ${object.metadata.name}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    const bindings: [string, string[]][] = [
      [`lb-snap-${suffix}`, ['rbac.volumeSnapshots=true']],
      [`lb-nosnap-${suffix}`, []],
    ];
    for (const [name, set] of bindings) {
      await apply({ ...(await roleOf(set)), metadata: { name } });
      await apply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: 'lifeboat-system' }],
      });
    }
    const admin = loadKubeConfig(kube.kubeconfig);
    const as = (name: string) =>
      volumeSnapshotApi(impersonatingKubeConfig(admin, `system:serviceaccount:lifeboat-system:${name}`));

    const refused = await resolveTargets(as(`lb-nosnap-${suffix}`), { namespace: NS, pvcs: [PVC] }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(KubeError);
    expect((refused as KubeError).status).toBe(403);

    const api = as(`lb-snap-${suffix}`);
    const targets = await resolveTargets(api, { namespace: NS, pvcs: [PVC] });
    const set = await cut(api, {
      namespace: NS,
      targets,
      backupId: `rbac-${suffix}`,
      labels: {},
      deadlineMs: 30_000,
      signal: new AbortController().signal,
    });
    const records = await set.waitReady(60_000, new AbortController().signal);
    expect(records[0]?.snapshotHandle).toBeTruthy();
    const ns = `lb-fsnap-rbac-${suffix}`;
    await createNamespace(connect(kube.kubeconfig), ns);
    const restoredPvcs = await restoreVolumes(api, {
      records,
      targetNamespace: ns,
      placements: [{ source: PVC, target: PVC, storageClass: rig.storageClass }],
      backupId: `rbac-${suffix}`,
    });
    expect(restoredPvcs.map((v) => [v.pvc, v.imported])).toEqual([[PVC, true]]);
    await set.deleteAll();
  }, 300_000);
});
