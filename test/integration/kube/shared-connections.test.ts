/**
 * Requests through a loaded KubeConfig share their connections (engine/kube/shared-connections.ts):
 * on the real API server, 40 Secret reads open at most a couple of TLS connections instead of
 * one each (counted on undici's `undici:client:connected` diagnostics channel), and a client on
 * a plain `new KubeConfig()` (client-node as shipped) is shown to open one per request, so the
 * count would catch the sharing being lost.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../../engine/kube/index.ts';
import { useServer, type KubeServer, type SharedServer } from '../../../testcontainers/index.ts';

const READS = 40;

describe('kube client connection reuse', () => {
  let kube: SharedServer<KubeServer>;
  let connections = 0;
  const count = () => {
    connections++;
  };

  beforeAll(async () => {
    kube = await useServer('kube');
  }, 300_000);

  afterEach(() => {
    unsubscribe('undici:client:connected', count);
  });

  const readMany = async (client: ReturnType<typeof createKubeClient>) => {
    connections = 0;
    subscribe('undici:client:connected', count);
    for (let i = 0; i < READS; i++)
      expect(await client.readSecret('default', `lb-shared-connections-missing-${i}`)).toBeUndefined();
    unsubscribe('undici:client:connected', count);
    return connections;
  };

  it('reads 40 Secrets over at most two connections', async () => {
    expect(await readMany(createKubeClient({ kubeconfig: kube.kubeconfig }))).toBeLessThanOrEqual(2);
  }, 60_000);

  it('client-node as shipped opens one connection per request (what the sharing avoids)', async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(kube.kubeconfig);
    expect(await readMany(createKubeClient({ kubeConfig: plain }))).toBeGreaterThanOrEqual(READS);
  }, 60_000);
});
