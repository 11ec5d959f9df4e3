/**
 * `firstPass` (what `lifeboat controller` logs as "first reconcile pass finished" and the
 * scale benchmark times): on the real API server, it resolves only after every cached
 * object has been reconciled once, however slowly the reconciler works through them.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type ControllerHandle } from '../../../engine/controller/controller.ts';
import { RESOURCES, silentLogger } from '../../../engine/controller/index.ts';
import { useServer } from '../../../testcontainers/index.ts';

const NS = `lb-first-pass-${process.pid}`;
const WORKLOADS = 12;

describe('controller first reconcile pass', () => {
  let kc: KubeConfig;
  let controller: ControllerHandle | undefined;

  beforeAll(async () => {
    const kube = await useServer('kube');
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    const apps = kc.makeApiClient(AppsV1Api);
    for (let i = 0; i < WORKLOADS; i++) {
      const labels = { app: `w${i}` };
      await apps.createNamespacedStatefulSet({
        namespace: NS,
        body: {
          metadata: { name: `w${i}` },
          spec: {
            serviceName: `w${i}`,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'postgres:16' }] } },
          },
        },
      });
    }
  }, 120_000);

  afterAll(async () => {
    await controller?.stop(1000);
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: NS });
  });

  it('resolves once every cached object has been reconciled, with the number of keys', async () => {
    const reconciled = new Set<string>();
    controller = await startController({
      kubeConfig: kc,
      namespaces: [NS],
      leaderElection: false,
      withoutBuiltinReconcilers: true,
      logger: silentLogger,
      reconcilers: [
        {
          name: 'slow',
          resource: RESOURCES.statefulSets,
          concurrency: 2,
          reconcile: async (key) => {
            await new Promise((r) => setTimeout(r, 100));
            reconciled.add(key.name);
            return undefined;
          },
        },
      ],
    });
    await controller.synced;
    const seenAtSync = reconciled.size;
    const { keys } = await controller.firstPass;
    expect(keys).toBe(WORKLOADS);
    expect(reconciled.size).toBe(WORKLOADS);
    // It waited for the work: 12 keys, 2 at a time, 100 ms each cannot all be done at sync.
    expect(seenAtSync).toBeLessThan(WORKLOADS);
  }, 60_000);
});
