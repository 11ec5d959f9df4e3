/**
 * The controller's watch loop on the real API server: the initial list is read page by page
 * (pages of 2 here) into one cache, then the watch delivers adds, updates and deletes, and a
 * resync hands every cached object to the handlers again. A resource not served yet (CRD
 * not installed) is retried until it is.
 */
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Informer, type InformerEvent } from '../../../engine/controller/informer.ts';
import { RESOURCES, silentLogger } from '../../../engine/controller/index.ts';
import { API_VERSION, GROUP, VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { startKube, useServer } from '../../../testcontainers/index.ts';
import { connect, createNamespace } from '../kube/_cluster.ts';
import { applyCrds } from '../kube/_crds.ts';
import { until } from '../../_support/wait.ts';

const NS = `lb-informer-${randomBytes(3).toString('hex')}`;

describe('Informer', () => {
  const kc = new KubeConfig();
  let custom: CustomObjectsApi;
  let informer: Informer | undefined;
  const base = { group: GROUP, version: VERSION, namespace: NS, plural: 'backups' };
  const createBackup = (name: string) =>
    custom.createNamespacedCustomObject({
      ...base,
      body: { apiVersion: API_VERSION, kind: 'Backup', metadata: { name }, spec: { repository: 'repo' } },
    });

  beforeAll(async () => {
    const kube = await useServer('kube');
    kc.loadFromFile(kube.kubeconfig);
    custom = kc.makeApiClient(CustomObjectsApi);
    await applyCrds(kube.kubeconfig);
    await createNamespace(connect(kube.kubeconfig), NS);
    for (let i = 0; i < 5; i++) await createBackup(`b${i}`);
  }, 120_000);

  afterAll(async () => {
    await informer?.stop();
  });

  it('lists all pages into the cache, then follows the watch', async () => {
    const events: [InformerEvent, string][] = [];
    informer = new Informer(kc, RESOURCES.backups, NS, { pageSize: 2, resyncMs: 600_000, log: silentLogger });
    informer.onEvent((event, object) => events.push([event, object.metadata?.name ?? '']));
    await informer.start();
    expect(informer.isSynced).toBe(true);
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(events.filter(([e]) => e === 'add')).toHaveLength(5);
    // managedFields are not kept.
    expect(informer.get({ namespace: NS, name: 'b0' })?.metadata?.managedFields).toBeUndefined();

    await createBackup('b5');
    await until('add of b5', () => events.some(([e, n]) => e === 'add' && n === 'b5'));
    await custom.deleteNamespacedCustomObject({ ...base, name: 'b1' });
    await until('delete of b1', () => events.some(([e, n]) => e === 'delete' && n === 'b1'));
    expect(informer.get({ namespace: NS, name: 'b1' })).toBeUndefined();
    expect(informer.list()).toHaveLength(5);

    events.length = 0;
    informer.resync();
    expect(events.map(([, n]) => n).sort()).toEqual(['b0', 'b2', 'b3', 'b4', 'b5']);
    expect(events.every(([e]) => e === 'resync')).toBe(true);
  }, 60_000);

  it('keeps retrying a resource the API does not serve yet, and syncs once it does', async () => {
    // A private API server: the CRDs must be absent at first (the shared one has them).
    const kube = await startKube({ name: 'informer-retry' });
    const late = new KubeConfig();
    late.loadFromFile(kube.kubeconfig);
    const waiting = new Informer(late, RESOURCES.drills, undefined, {
      pageSize: 100,
      resyncMs: 600_000,
      log: silentLogger,
    });
    try {
      const synced = waiting.start();
      await new Promise((r) => setTimeout(r, 1500));
      expect(waiting.isSynced).toBe(false);
      await applyCrds(kube.kubeconfig);
      await synced;
      expect(waiting.list()).toEqual([]);
    } finally {
      await waiting.stop();
      await kube.stop();
    }
  }, 120_000);
});
