/**
 * Annotation-driven protection end to end, against the real kube-apiserver and a real
 * PostgreSQL (data plane in-process: no kubelet here). The controller runs with the
 * BackupPolicy reconciler on an injected clock that the test moves to the next minute,
 * so an every-minute schedule fires without waiting real minutes:
 * - a StatefulSet annotated `lifeboat.dev/protect: nightly` gets a scheduled Backup CR of
 *   that workload (not the rest of its application), which the controller runs to Succeeded;
 * - retention (keepLast 2) prunes the oldest backup from the repository and deletes its CR;
 * - removing the annotation stops new Backups;
 * - a namespace annotation protects every database of the namespace;
 * - after hours of controller downtime, one catch-up run per application, not a burst;
 * - a drill schedule adds a Drill per protected application, which passes;
 * - an invalid schedule sets the Failed condition naming `spec.schedule`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type ControllerHandle } from '../../../engine/controller/controller.ts';
import { silentLogger } from '../../../engine/controller/index.ts';
import { kubePolicyApi } from '../../../engine/controller/policy/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import {
  useServer,
  type KubeServer,
  type PostgresServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { pgQuery } from '../../_support/sql.ts';
import { connect, createNamespace, type Cluster } from './_cluster.ts';
import { applyCrds } from './_crds.ts';
import { createCr, lifeboatNamespace, pgWorkload, repositoryDir } from './_pg-workload.ts';
import { GiveUp, waitFor } from '../../_support/wait.ts';

const suffix = randomBytes(3).toString('hex');
const NS_A = `lb-pol-a-${suffix}`;
const NS_B = `lb-pol-b-${suffix}`;
const DBS = {
  orders: `pol_orders_${suffix}`,
  stock: `pol_stock_${suffix}`,
  crm: `pol_crm_${suffix}`,
  blog: `pol_blog_${suffix}`,
};
const KEY = randomBytes(32).toString('base64');

interface Cr {
  metadata: { name: string; labels?: Record<string, string>; creationTimestamp?: string };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    backupId?: string;
    completedAt?: string;
    message?: string;
    lastScheduleTime?: string;
    lastSuccessfulBackupTime?: string;
    protected?: { application: string; workloads: string[] }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

describe('BackupPolicy: annotation-driven protection, schedule and retention', () => {
  let kube: SharedServer<KubeServer>;
  let postgres: SharedServer<PostgresServer>;
  let cluster: Cluster;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let controller: ControllerHandle | undefined;
  let work = '';
  // The controller's clock: real time plus an offset the test moves forward, held below
  // the next minute, so a slow run (CI under load) never fires a tick the test did not ask for.
  let offsetMs = 0;
  let ceilingMs = Math.floor(Date.now() / 60_000) * 60_000 + 59_999;
  const clock = () => new Date(Math.min(Date.now() + offsetMs, ceilingMs));
  /** Move the clock just past the next minute; returns that minute. */
  const nextTick = (): Date => {
    const tick = Math.floor(clock().getTime() / 60_000) * 60_000 + 60_000;
    offsetMs = tick + 1_000 - Date.now();
    ceilingMs = tick + 59_999;
    return new Date(tick);
  };
  /** Controller downtime: the clock jumps `ms` ahead. */
  const jump = (ms: number) => {
    offsetMs += ms;
    ceilingMs += ms;
  };
  const stampOf = (t: Date) => t.toISOString().slice(0, 16).replace(/[-:T]/g, '');

  const group = { group: 'lifeboat.dev', version: 'v1alpha1' };
  const list = async (namespace: string, plural: string) =>
    ((await custom.listNamespacedCustomObject({ ...group, namespace, plural })) as { items: Cr[] }).items;
  const get = async (namespace: string, plural: string, name: string) =>
    (await custom.getNamespacedCustomObject({ ...group, namespace, plural, name })) as Cr;
  const create = (namespace: string, plural: string, kind: string, name: string, spec: unknown) =>
    createCr(custom, namespace, plural, kind, name, spec);
  const annotateStatefulSet = (namespace: string, name: string, value: string | null) =>
    cluster.apps.patchNamespacedStatefulSet(
      { namespace, name, body: { metadata: { annotations: { 'lifeboat.dev/protect': value } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const policyOf = (namespace: string) => get(namespace, 'backuppolicies', 'nightly');
  /** The tick was handled once the policy's lastScheduleTime reached it. */
  /**
   * A timeout with what the controller did (its logs are silenced): the policy's events
   * and status, the Backups, and the clock the test gave it.
   */
  const withControllerState = async (namespace: string, error: unknown): Promise<Error> => {
    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.kind=BackupPolicy,involvedObject.name=nightly',
    });
    const backups = (await list(namespace, 'backups')).map(
      (b) => `${b.metadata.name} ${b.status?.phase ?? '?'} ${b.status?.completedAt ?? ''}`,
    );
    return new Error(
      `${(error as Error).message}\nevents: ${events.items.map((e) => `${e.reason}: ${e.message ?? ''}`).join(' | ')}\nstatus: ${JSON.stringify((await policyOf(namespace)).status)}\nbackups: ${backups.join(' | ')}\nclock: ${clock().toISOString()} (real ${new Date().toISOString()})`,
      { cause: error },
    );
  };
  const tickHandled = async (namespace: string, tick: Date) => {
    try {
      return await waitFor(`policy in ${namespace} to handle ${tick.toISOString()}`, async () => {
        const p = await policyOf(namespace);
        return p.status?.lastScheduleTime === tick.toISOString().replace('.000Z', 'Z') ? p : undefined;
      });
    } catch (error) {
      throw await withControllerState(namespace, error);
    }
  };
  const succeeded = (namespace: string, name: string) =>
    waitFor(`Backup ${namespace}/${name} to succeed`, async () => {
      const b = await get(namespace, 'backups', name);
      if (b.status?.phase === 'Failed') throw new GiveUp(`Backup ${name} failed: ${b.status.message ?? ''}`);
      return b.status?.phase === 'Succeeded' ? b : undefined;
    });

  async function namespaceWithPolicy(namespace: string, retention?: Record<string, number>): Promise<void> {
    await lifeboatNamespace(cluster, custom, postgres, namespace, repositoryDir(work, namespace), KEY);
    await create(namespace, 'backuppolicies', 'BackupPolicy', 'nightly', {
      repository: 'main',
      schedule: '* * * * *',
      ...(retention ? { retention } : {}),
    });
  }
  const database = (namespace: string, workload: string, db: string, app: string) =>
    pgWorkload(cluster, postgres, namespace, workload, db, app);

  const openRepository = (namespace: string) =>
    Repository.open(new LocalStore(join(work, namespace)), { key: Buffer.from(KEY) });

  let kubeConfig: KubeConfig | undefined;
  const startIt = async () => {
    controller = await startController({
      ...(kubeConfig && { kubeConfig }),
      namespaces: [NS_A, NS_B],
      clusterName: 'policy-test',
      leaderElection: false,
      logger: silentLogger,
      policy: { clock, maxRequeueMs: 250 },
    });
    await controller.synced;
  };

  beforeAll(async () => {
    [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    await applyCrds(kube.kubeconfig);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-policy-'));
    cluster = connect(kube.kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);

    await namespaceWithPolicy(NS_A, { keepLast: 2 });
    await database(NS_A, 'orders-db', DBS.orders, 'shop');
    await database(NS_A, 'stock-db', DBS.stock, 'shop');
    await namespaceWithPolicy(NS_B);
    await database(NS_B, 'crm-db', DBS.crm, 'crm');
    await database(NS_B, 'blog-db', DBS.blog, 'blog');

    kubeConfig = kc;
    await startIt();
  }, 300_000);

  afterAll(async () => {
    await controller?.stop(5_000);
    if (work) await rm(work, { recursive: true, force: true });
    for (const db of Object.values(DBS))
      await pgQuery(postgres, postgres.database, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(
        () => undefined,
      );
  }, 60_000);

  it('an unannotated StatefulSet is not protected; annotated, it gets a scheduled Backup that completes', async () => {
    const idle = nextTick();
    const before = await tickHandled(NS_A, idle);
    expect(before.status?.protected).toEqual([]);
    expect(await list(NS_A, 'backups')).toEqual([]);

    await annotateStatefulSet(NS_A, 'orders-db', 'nightly');
    await waitFor('orders-db to be protected', async () => {
      const p = await policyOf(NS_A);
      return p.status?.protected?.length ? p : undefined;
    });
    expect((await policyOf(NS_A)).status?.protected).toEqual([
      { application: 'shop', workloads: ['orders-db'] },
    ]);

    const tick = nextTick();
    const name = `nightly-shop-${stampOf(tick)}`;
    const backup = await succeeded(NS_A, name);
    expect(backup.metadata.labels).toMatchObject({
      'lifeboat.dev/policy': 'nightly',
      'lifeboat.dev/application': 'shop',
      'lifeboat.dev/scheduled-for': tick.toISOString().replace('.000Z', 'Z').replace(/:/g, '-'),
    });
    // only the annotated workload of the application is protected, and backed up
    expect(backup.spec).toEqual({
      repository: 'main',
      application: 'shop',
      workloads: ['orders-db'],
      policy: 'nightly',
    });
    const repository = await openRepository(NS_A);
    expect((await repository.list('shop')).map((b) => b.backupId)).toEqual([backup.status?.backupId]);
    const manifest = await repository.readManifest(backup.status?.backupId ?? '');
    expect(manifest.members.map((m) => m.name)).toEqual(['orders-db']);
    // Only one Backup for the tick, however often the policy was reconciled meanwhile.
    expect((await list(NS_A, 'backups')).map((b) => b.metadata.name)).toEqual([name]);
    const policy = await policyOf(NS_A);
    expect(policy.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    const events = await core.listNamespacedEvent({
      namespace: NS_A,
      fieldSelector: 'involvedObject.kind=BackupPolicy,involvedObject.name=nightly',
    });
    expect(events.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['BackupScheduled', 'ProtectionChanged']),
    );
  }, 300_000);

  it('retention keeps the newest two backups: the oldest is pruned and its Backup CR deleted', async () => {
    const names: string[] = (await list(NS_A, 'backups')).map((b) => b.metadata.name);
    for (let i = 0; i < 2; i++) {
      const tick = nextTick();
      const name = `nightly-shop-${stampOf(tick)}`;
      await succeeded(NS_A, name);
      names.push(name);
    }
    const oldest = names[0] ?? '';
    try {
      await waitFor('the oldest Backup CR to be deleted', async () =>
        (await list(NS_A, 'backups')).some((b) => b.metadata.name === oldest) ? undefined : true,
      );
    } catch (error) {
      throw await withControllerState(NS_A, error);
    }
    const remaining = await list(NS_A, 'backups');
    expect(remaining.map((b) => b.metadata.name).sort()).toEqual(names.slice(1).sort());
    const ids = remaining.map((b) => b.status?.backupId).sort();
    expect((await (await openRepository(NS_A)).list('shop')).map((b) => b.backupId).sort()).toEqual(ids);
    const policy = await waitFor('lastSuccessfulBackupTime to move', async () => {
      const p = await policyOf(NS_A);
      const latest = remaining
        .map((b) => b.status?.completedAt ?? '')
        .sort()
        .at(-1);
      return p.status?.lastSuccessfulBackupTime === latest ? p : undefined;
    });
    expect(policy.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  }, 300_000);

  it('removing the annotation stops new backups', async () => {
    await annotateStatefulSet(NS_A, 'orders-db', null);
    await waitFor('orders-db to be unprotected', async () => {
      const p = await policyOf(NS_A);
      return p.status?.protected?.length === 0 ? p : undefined;
    });
    const before = (await list(NS_A, 'backups')).map((b) => b.metadata.name).sort();
    await tickHandled(NS_A, nextTick());
    expect((await list(NS_A, 'backups')).map((b) => b.metadata.name).sort()).toEqual(before);
  }, 120_000);

  it('a namespace annotation protects every database of the namespace', async () => {
    await cluster.core.patchNamespace(
      { name: NS_B, body: { metadata: { annotations: { 'lifeboat.dev/protect': 'nightly' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor('both applications to be protected', async () => {
      const p = await policyOf(NS_B);
      return p.status?.protected?.length === 2 ? p : undefined;
    });
    expect((await policyOf(NS_B)).status?.protected).toEqual([
      { application: 'blog', workloads: ['blog-db'] },
      { application: 'crm', workloads: ['crm-db'] },
    ]);
    const stamp = stampOf(nextTick());
    const blog = await succeeded(NS_B, `nightly-blog-${stamp}`);
    const crm = await succeeded(NS_B, `nightly-crm-${stamp}`);
    // whole applications: the Backups name no workloads
    expect(blog.spec.workloads).toBeUndefined();
    expect(crm.spec.application).toBe('crm');
    const repo = await openRepository(NS_B);
    expect((await repo.list('blog')).map((b) => b.backupId)).toEqual([blog.status?.backupId]);
    expect((await repo.list('crm')).map((b) => b.backupId)).toEqual([crm.status?.backupId]);
  }, 300_000);

  it('after downtime, one catch-up Backup per application, not one per missed minute', async () => {
    await controller?.stop(5_000);
    controller = undefined;
    const before = (await list(NS_B, 'backups')).length;
    jump(3 * 3_600_000); // three hours down: 180 missed ticks
    const tick = nextTick();
    await startIt();
    const stamp = stampOf(tick);
    await succeeded(NS_B, `nightly-blog-${stamp}`);
    await succeeded(NS_B, `nightly-crm-${stamp}`);
    await tickHandled(NS_B, tick);
    expect((await list(NS_B, 'backups')).length).toBe(before + 2);
    const events = await core.listNamespacedEvent({
      namespace: NS_B,
      fieldSelector: 'involvedObject.kind=BackupPolicy,involvedObject.name=nightly,reason=MissedSchedules',
    });
    expect(events.items.length).toBeGreaterThan(0);
  }, 300_000);

  it('a drill schedule adds a Drill per protected application, which passes', async () => {
    await custom.patchNamespacedCustomObject(
      {
        ...group,
        namespace: NS_B,
        plural: 'backuppolicies',
        name: 'nightly',
        body: { spec: { drill: { schedule: '* * * * *' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const drills = await waitFor('two passed Drills', async () => {
      const items = await list(NS_B, 'drills');
      const failed = items.find((d) => d.status?.phase === 'Failed');
      if (failed) throw new GiveUp(`Drill ${failed.metadata.name} failed: ${failed.status?.message ?? ''}`);
      return items.length === 2 && items.every((d) => d.status?.phase === 'Succeeded') ? items : undefined;
    });
    expect(drills.map((d) => d.spec.application).sort()).toEqual(['blog', 'crm']);
    expect(drills.every((d) => (d.status as { result?: string } | undefined)?.result === 'Passed')).toBe(
      true,
    );
    expect((await policyOf(NS_B)).status).toHaveProperty('lastDrillTime');
  }, 300_000);

  it('an invalid schedule sets the Failed condition naming the field', async () => {
    // five fields (the CRD accepts it), but minute 61 does not exist
    await create(NS_A, 'backuppolicies', 'BackupPolicy', 'broken', {
      repository: 'main',
      schedule: '61 * * * *',
    });
    const broken = await waitFor('the Failed condition', async () => {
      const p = await get(NS_A, 'backuppolicies', 'broken');
      return p.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? p : undefined;
    });
    const failed = broken.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('InvalidSchedule');
    expect(failed?.message).toMatch(/^spec\.schedule: invalid cron expression "61 \* \* \* \*"/);
    expect(broken.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  }, 60_000);

  it('a second controller creating the same run gets AlreadyExists, which counts as done', async () => {
    // in a namespace no controller here watches, so nothing runs the Backup
    const namespace = `lb-pol-c-${suffix}`;
    await createNamespace(cluster, namespace);
    const api = kubePolicyApi(kubeConfig ?? new KubeConfig());
    const run = {
      kind: 'Backup' as const,
      name: 'nightly-crm-209901010000',
      application: 'crm',
      scheduledFor: new Date('2099-01-01T00:00:00Z'),
      labels: { 'lifeboat.dev/policy': 'nightly', 'lifeboat.dev/application': 'crm' },
      spec: { repository: 'main', application: 'crm' },
    };
    expect(await api.createRun(namespace, run)).toBe('created');
    expect(await api.createRun(namespace, run)).toBe('exists');
    expect((await list(namespace, 'backups')).map((b) => b.metadata.name)).toEqual([run.name]);
  }, 60_000);
});
