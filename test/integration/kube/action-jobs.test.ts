/**
 * Job-mode execution at the API level, against the real kube-apiserver (no kubelet: the
 * Job never runs, so nothing waits for pods): the Job of a Backup CR is accepted by the
 * API server with the spec we build (same image, `lifeboat run-action` for that CR, owner
 * reference to the CR, no retries, non-root), creating it twice is harmless, and it is
 * deleted once its CR is (this server runs no garbage collector: our cleanup does it).
 */
import { randomBytes } from 'node:crypto';
import { ApiException, BatchV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupActionJobs, kubeJobApi, type ActionKind } from '../../../engine/controller/jobs/index.ts';
import { API_VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { connect, createNamespace } from './_cluster.ts';
import { applyCrds } from './_crds.ts';

const NS = `lb-jobs-${randomBytes(3).toString('hex')}`;

describe('action Jobs on a real API server', () => {
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let batch: BatchV1Api;

  const createBackup = async (name: string): Promise<string> => {
    const created = (await custom.createNamespacedCustomObject({
      group: 'lifeboat.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'backups',
      body: { apiVersion: API_VERSION, kind: 'Backup', metadata: { name }, spec: { repository: 'main' } },
    })) as { metadata: { uid: string } };
    return created.metadata.uid;
  };

  /** Owner uids as the controller's cache would give them, read from the API now. */
  const ownerUids = async () => {
    const list = (await custom.listNamespacedCustomObject({
      group: 'lifeboat.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'backups',
    })) as { items: { metadata: { name: string; uid: string } }[] };
    const uids = new Map(list.items.map((i) => [i.metadata.name, i.metadata.uid]));
    return (kind: ActionKind, _ns: string, name: string) => (kind === 'Backup' ? uids.get(name) : undefined);
  };

  beforeAll(async () => {
    const kube = await useServer('kube');
    await applyCrds(kube.kubeconfig);
    await createNamespace(connect(kube.kubeconfig), NS);
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    custom = kc.makeApiClient(CustomObjectsApi);
    batch = kc.makeApiClient(BatchV1Api);
  }, 120_000);

  it('creates the Job with the right spec and owner, once, and deletes it with its CR', async () => {
    const uid = await createBackup('nightly-shop-202601011000');
    const api = kubeJobApi(kc);
    const action = { kind: 'Backup', namespace: NS, name: 'nightly-shop-202601011000', uid } as const;
    const options = { image: 'registry.example/lifeboat:0.1.0', clusterName: 'east' };

    expect((await api.ensureActionJob(action, options)).result).toBe('created');
    expect((await api.ensureActionJob(action, options)).result).toBe('exists');

    const job = await batch.readNamespacedJob({
      namespace: NS,
      name: 'lifeboat-backup-nightly-shop-202601011000',
    });
    expect(job.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: 'lifeboat.dev/v1alpha1',
        kind: 'Backup',
        name: 'nightly-shop-202601011000',
        uid,
        controller: true,
        blockOwnerDeletion: true,
      }),
    ]);
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.ttlSecondsAfterFinished).toBe(3600);
    const pod = job.spec?.template.spec;
    const container = pod?.containers[0];
    expect(container?.image).toBe('registry.example/lifeboat:0.1.0');
    expect([...(container?.command ?? []), ...(container?.args ?? [])]).toEqual([
      'lifeboat',
      'run-action',
      '--kind',
      'Backup',
      '--name',
      'nightly-shop-202601011000',
      '--namespace',
      NS,
    ]);
    expect(container?.env).toContainEqual({ name: 'LIFEBOAT_CLUSTER', value: 'east' });
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.serviceAccountName).toBe('lifeboat-runner');
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(container?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container?.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect((await api.listActionJobs(NS)).map((j) => j.metadata?.name)).toEqual([
      'lifeboat-backup-nightly-shop-202601011000',
    ]);

    // CR still there, Job not finished: cleanup leaves it.
    expect(await cleanupActionJobs(api, [NS], await ownerUids(), new Date())).toEqual([]);

    await custom.deleteNamespacedCustomObject({
      group: 'lifeboat.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'backups',
      name: 'nightly-shop-202601011000',
    });
    const deleted = await cleanupActionJobs(api, [NS], await ownerUids(), new Date());
    expect(deleted.map((d) => [d.name, d.reason])).toEqual([
      ['lifeboat-backup-nightly-shop-202601011000', 'its Backup nightly-shop-202601011000 no longer exists'],
    ]);
    const gone = await batch
      .readNamespacedJob({ namespace: NS, name: 'lifeboat-backup-nightly-shop-202601011000' })
      .then(
        () => 200,
        (error: unknown) => (error instanceof ApiException ? error.code : 0),
      );
    expect(gone).toBe(404);
  }, 120_000);

  it('a CR re-created under the same name does not adopt the old Job', async () => {
    const first = await createBackup('again');
    const api = kubeJobApi(kc);
    await api.ensureActionJob({ kind: 'Backup', namespace: NS, name: 'again', uid: first }, { image: 'x:1' });
    await custom.deleteNamespacedCustomObject({
      group: 'lifeboat.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'backups',
      name: 'again',
    });
    await createBackup('again');
    const deleted = await cleanupActionJobs(api, [NS], await ownerUids(), new Date());
    expect(deleted.map((d) => d.name)).toEqual(['lifeboat-backup-again']);
  }, 120_000);
});
