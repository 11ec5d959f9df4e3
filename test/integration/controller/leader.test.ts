/**
 * Two controller instances on one Lease (real kube-apiserver): only the holder acts. Every
 * Backup is run by the leader; the other instance never claims one. When the leader stops
 * it hands the Lease back, the other takes over at once and runs the next Backup. Below the
 * Lease, the claim itself is exclusive: two reconcilers deciding on the same version of a
 * Pending Backup (a stale cache during a hand-over) run it once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionReconciler, type ActionServices } from '../../../engine/controller/action-reconciler.ts';
import { backupHandler } from '../../../engine/controller/backup-action.ts';
import { startController, type ControllerHandle } from '../../../engine/controller/controller.ts';
import { CustomObjects } from '../../../engine/controller/custom-objects.ts';
import {
  RESOURCES,
  combineObservers,
  openRepositoryOf,
  silentLogger,
  type ActionStarted,
  type KubeObject,
  type ReconcileContext,
} from '../../../engine/controller/index.ts';
import { parseRepository } from '../../../engine/kube/api/v1alpha1/index.ts';
import { createKubeClient } from '../../../engine/kube/index.ts';
import { loadEngineSetup } from '../../../engine/runs/index.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { Fixture } from './_fixture.ts';
import { until } from '../../_support/wait.ts';

describe('leader election: two controller instances', () => {
  let fx: Fixture;
  let work = '';
  const handles: ControllerHandle[] = [];
  const started: { by: string; event: ActionStarted }[] = [];

  const start = (identity: string) =>
    startController({
      kubeConfig: fx.kc,
      namespaces: [fx.namespace],
      clusterName: 'leader-test',
      identity,
      leaderElection: {
        namespace: fx.namespace,
        leaseName: 'lifeboat-leader-test',
        leaseDurationMs: 6000,
        renewDeadlineMs: 4000,
        retryPeriodMs: 500,
      },
      logger: silentLogger,
      policy: false,
      observers: [{ onActionStarted: (event) => started.push({ by: identity, event }) }],
    });

  beforeAll(async () => {
    const [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-controller-leader-'));
    fx = new Fixture(kube.kubeconfig, postgres, 'lb-leader', join(work, 'repo'));
    await fx.setUp(200);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await fx.tearDown();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lets only the Lease holder run actions, and hands over when it stops', async () => {
    const a = await start('instance-a');
    handles.push(a);
    await a.synced;
    await until('instance-a leads', () => a.isLeader());
    const b = await start('instance-b');
    handles.push(b);
    await b.synced;
    // b campaigns several rounds meanwhile and must stay a follower.
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.isLeader()).toBe(false);

    const names = ['one', 'two', 'three'];
    for (const name of names) await fx.create('Backup', name, { repository: 'repo' });
    for (const name of names) {
      const cr = await fx.finished('Backup', name);
      expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
      expect(cr.status?.runner?.identity).toBe('instance-a');
    }
    expect(started.map((s) => s.by)).toEqual(['instance-a', 'instance-a', 'instance-a']);
    expect(b.isLeader()).toBe(false);
    const lease = await fx.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: fx.namespace, name: 'lifeboat-leader-test' });
    expect(lease.spec?.holderIdentity).toBe('instance-a');

    await a.stop();
    // Released: b need not wait for the lease to expire.
    const handedOver = Date.now();
    await until('instance-b leads', () => b.isLeader(), 10_000);
    expect(Date.now() - handedOver).toBeLessThan(6000);
    await fx.create('Backup', 'four', { repository: 'repo' });
    const four = await fx.finished('Backup', 'four');
    expect(four.status?.phase).toBe('Succeeded');
    expect(four.status?.runner?.identity).toBe('instance-b');
    expect(started.filter((s) => s.by === 'instance-b').map((s) => s.event.name)).toEqual(['four']);
    const repository = await fx.openRepository();
    expect(await repository.list()).toHaveLength(4);
  }, 300_000);

  it('claims each action once: of two reconcilers deciding on the same version, exactly one runs it', async () => {
    for (const h of handles.splice(0)) await h.stop();
    const repository = await fx.openRepository();
    const before = (await repository.list()).length;
    const snapshot = (await fx.create('Backup', 'race', { repository: 'repo' })) as KubeObject;
    const kube = createKubeClient({ kubeConfig: fx.kc });
    const claimed: string[] = [];
    const reconcilerOf = (identity: string) => {
      const services: ActionServices = {
        objects: new CustomObjects(fx.kc),
        kube,
        setup: () => loadEngineSetup(),
        openRepository: async (namespace, name) =>
          openRepositoryOf(kube, parseRepository(await fx.get('Repository', name)), namespace),
        progressIntervalMs: 1000,
        concurrency: 1,
        inFlight: new Set(),
      };
      const ctx: ReconcileContext = {
        kubeConfig: fx.kc,
        identity,
        cluster: 'race-test',
        namespaces: [fx.namespace],
        // Both decide on the same (Pending) version of the object.
        cache: <T extends KubeObject>() => ({ get: () => snapshot as T, list: () => [snapshot as T] }),
        isLeader: () => true,
        events: { record: () => Promise.resolve() },
        observer: combineObservers([{ onActionStarted: () => claimed.push(identity) }]),
        log: silentLogger,
        signal: new AbortController().signal,
      };
      const reconciler = actionReconciler(
        backupHandler(() => ctx.cache(RESOURCES.blueprints)),
        services,
      );
      return () => reconciler.reconcile({ namespace: fx.namespace, name: 'race' }, ctx);
    };
    await Promise.all([reconcilerOf('racer-x')(), reconcilerOf('racer-y')()]);
    expect(claimed).toHaveLength(1);
    const cr = await fx.get('Backup', 'race');
    expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
    expect(cr.status?.runner?.identity).toBe(claimed[0]);
    expect((await repository.list()).length - before).toBe(1);
  }, 300_000);

  it('stops starting actions when the Lease is taken away, and resumes once it holds it again', async () => {
    for (const h of handles.splice(0)) await h.stop();
    const c = await start('instance-c');
    handles.push(c);
    await c.synced;
    await until('instance-c leads', () => c.isLeader());
    const leases = fx.kc.makeApiClient(CoordinationV1Api);
    // Another holder appears (e.g. after a partition): c must notice at its next renewal and stop.
    await leases.patchNamespacedLease(
      {
        namespace: fx.namespace,
        name: 'lifeboat-leader-test',
        body: { spec: { holderIdentity: 'intruder', leaseDurationSeconds: 3600 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await until('instance-c stops leading', () => !c.isLeader(), 10_000);
    await fx.create('Backup', 'while-deposed', { repository: 'repo' });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await fx.get('Backup', 'while-deposed')).status?.phase).toBeUndefined();

    await leases.deleteNamespacedLease({ namespace: fx.namespace, name: 'lifeboat-leader-test' });
    await until('instance-c leads again', () => c.isLeader(), 10_000);
    const cr = await fx.finished('Backup', 'while-deposed');
    expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
    expect(cr.status?.runner?.identity).toBe('instance-c');
  }, 120_000);
});
