import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { useServer } from '../../../testcontainers/index.ts';
import { kubeRoundTrip } from '../../../testcontainers/round-trips.ts';

describe('shared Kubernetes API server (etcd + kube-apiserver, RBAC)', () => {
  it('creates and lists a namespace and a CRD', async () => {
    const server = await useServer('kube');
    expect(server.version).toMatch(/^1\.\d+\.\d+$/);
    await kubeRoundTrip(server);
  });

  it('authorizes with RBAC: the admin may do anything, an unbound user nothing', async () => {
    const server = await useServer('kube');
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const authz = kc.makeApiClient(AuthorizationV1Api);
    const review = (user: string) =>
      authz.createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups: user === 'lifeboat-admin' ? ['system:masters'] : [],
            resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' },
          },
        },
      });
    expect((await review('lifeboat-admin')).status?.allowed).toBe(true);
    expect((await review('bob')).status?.allowed).toBe(false);
  });

  it('is usable with kubectl through the written kubeconfig', async () => {
    const server = await useServer('kube');
    const { stdout } = await promisify(execFile)('kubectl', [
      '--kubeconfig',
      server.kubeconfig,
      'get',
      'namespace',
      'default',
      '-o',
      'name',
    ]);
    expect(stdout.trim()).toBe('namespace/default');
  });
});
