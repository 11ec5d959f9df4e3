/**
 * `--execution job` against the real kube-apiserver and PostgreSQL: the controller hands
 * a Backup CR to a Job (created with the owner reference, the CR stays Pending: no kubelet
 * here, the Job never runs), then `lifeboat run-action` — what the Job's pod would run —
 * is started as a process by the test and runs the Backup to Succeeded through the
 * controller's code, claimed as `job/<job name>`; the controller leaves it alone. A CR
 * whose Job vanished while it ran is failed (JobFailed), never retried.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BatchV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type ControllerHandle } from '../../../engine/controller/controller.ts';
import { silentLogger } from '../../../engine/controller/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { useServer, type PostgresServer, type SharedServer } from '../../../testcontainers/index.ts';
import { pgQuery } from '../../_support/sql.ts';
import { connect } from './_cluster.ts';
import { applyCrds } from './_crds.ts';
import { createCr, lifeboatNamespace, pgWorkload, repositoryDir } from './_pg-workload.ts';
import { waitFor } from '../../_support/wait.ts';

const CLI = resolve(import.meta.dirname, '../../../engine/cli/main.ts');
const suffix = randomBytes(3).toString('hex');
const NS = `lb-jobmode-${suffix}`;
const DB = `jobmode_${suffix}`;
const KEY = randomBytes(32).toString('base64');

interface Cr {
  metadata: { name: string; uid: string; resourceVersion: string };
  status?: {
    phase?: string;
    backupId?: string;
    message?: string;
    runner?: { identity: string };
    conditions?: { type: string; reason: string }[];
  };
}

describe('Job-mode execution', () => {
  let postgres: SharedServer<PostgresServer>;
  let kubeconfig = '';
  let custom: CustomObjectsApi;
  let batch: BatchV1Api;
  let controller: ControllerHandle | undefined;
  let work = '';
  /** What the Job's pod would run: `lifeboat run-action` for one Backup CR. */
  const runAction = (name: string) =>
    execa(
      process.execPath,
      [CLI, 'run-action', '--kind', 'Backup', '--name', name, '--namespace', NS].concat([
        '--kubeconfig',
        kubeconfig,
        '--cluster-name',
        'job-test',
      ]),
      { reject: false, all: true },
    );
  const getBackup = async (name: string) =>
    (await custom.getNamespacedCustomObject({
      group: 'lifeboat.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'backups',
      name,
    })) as Cr;

  beforeAll(async () => {
    const [kube, pg] = await Promise.all([useServer('kube'), useServer('postgres')]);
    postgres = pg;
    kubeconfig = kube.kubeconfig;
    await applyCrds(kubeconfig);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-jobmode-'));
    const cluster = connect(kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    custom = kc.makeApiClient(CustomObjectsApi);
    batch = kc.makeApiClient(BatchV1Api);
    await lifeboatNamespace(cluster, custom, postgres, NS, repositoryDir(work, NS), KEY);
    await pgWorkload(cluster, postgres, NS, 'orders-db', DB, 'shop');
    controller = await startController({
      kubeConfig: kc,
      namespaces: [NS],
      clusterName: 'job-test',
      leaderElection: false,
      logger: silentLogger,
      policy: false,
      execution: {
        mode: 'job',
        job: { image: 'registry.example/lifeboat:test' },
        checkIntervalMs: 300,
        cleanupIntervalMs: 500,
      },
    });
    await controller.synced;
  }, 300_000);

  afterAll(async () => {
    await controller?.stop(5_000);
    if (work) await rm(work, { recursive: true, force: true });
    await pgQuery(postgres, postgres.database, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(
      () => undefined,
    );
  }, 60_000);

  it("the controller creates the Job; run-action (the Job's command) runs the Backup to Succeeded", async () => {
    await createCr(custom, NS, 'backups', 'Backup', 'b1', { repository: 'main', application: 'shop' });
    const job = await waitFor('the Job', () =>
      batch.readNamespacedJob({ namespace: NS, name: 'lifeboat-backup-b1' }),
    );
    const cr = await getBackup('b1');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Backup',
      name: 'b1',
      uid: cr.metadata.uid,
    });
    expect(job.spec?.template.spec?.containers[0]?.args).toEqual([
      'run-action',
      '--kind',
      'Backup',
      '--name',
      'b1',
      '--namespace',
      NS,
    ]);
    // no kubelet: nothing runs it, the CR waits
    await new Promise((r) => setTimeout(r, 1000));
    expect(cr.status?.phase ?? 'Pending').toBe('Pending');

    const run = await runAction('b1');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toContain(`Backup ${NS}/b1: Succeeded`);
    const done = await getBackup('b1');
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.runner?.identity).toBe('job/lifeboat-backup-b1');
    const repository = await Repository.open(new LocalStore(repositoryDir(work, NS)), {
      key: Buffer.from(KEY),
    });
    expect((await repository.list('shop')).map((b) => b.backupId)).toEqual([done.status?.backupId]);
    // The controller sees it Succeeded and leaves it (and its Job) alone.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await getBackup('b1')).status?.phase).toBe('Succeeded');

    // Run again: a finished action is never run twice.
    const again = await runAction('b1');
    expect(again.exitCode).toBe(0);
    expect((await repository.list('shop')).length).toBe(1);
  }, 180_000);

  it('a Backup whose Job vanished while running is failed, not retried', async () => {
    await createCr(custom, NS, 'backups', 'Backup', 'b2', { repository: 'main', application: 'shop' });
    await waitFor('the Job', () => batch.readNamespacedJob({ namespace: NS, name: 'lifeboat-backup-b2' }));
    // As if the Job's pod had claimed it, then the Job was deleted.
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'lifeboat.dev',
        version: 'v1alpha1',
        namespace: NS,
        plural: 'backups',
        name: 'b2',
        body: {
          status: {
            phase: 'Running',
            runner: {
              identity: 'job/lifeboat-backup-b2',
              startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await batch.deleteNamespacedJob({
      namespace: NS,
      name: 'lifeboat-backup-b2',
      propagationPolicy: 'Background',
    });
    const failed = await waitFor('b2 to fail', async () => {
      const b = await getBackup('b2');
      return b.status?.phase === 'Failed' ? b : undefined;
    });
    expect(failed.status?.message).toMatch(
      /Job lifeboat-backup-b2 that ran this Backup is gone; it is not retried/,
    );
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('JobFailed');
    // not re-created
    await new Promise((r) => setTimeout(r, 1000));
    await expect(batch.readNamespacedJob({ namespace: NS, name: 'lifeboat-backup-b2' })).rejects.toThrow();
  }, 120_000);
});
