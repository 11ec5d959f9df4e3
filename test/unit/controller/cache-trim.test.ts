import { describe, expect, it } from 'vitest';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { cacheTrimOf } from '../../../engine/controller/cache-trim.ts';
import { candidatesFromWorkloads } from '../../../engine/controller/policy/candidates.ts';
import { RESOURCES } from '../../../engine/controller/resources.ts';
import type { KubeObject } from '../../../engine/controller/types.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A StatefulSet as the API returns it: status, bookkeeping, a full pod template. */
function apiStatefulSet(name: string, image: string, annotations: Record<string, string> = {}): KubeObject {
  const labels = { 'app.kubernetes.io/name': name };
  return structuredClone({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      resourceVersion: '42',
      generation: 3,
      labels: { 'app.kubernetes.io/part-of': 'shop', tier: 'db' },
      annotations: { ...annotations, [LAST_APPLIED]: '{"a huge":"copy"}'.repeat(200) },
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
    },
    spec: {
      replicas: 2,
      serviceName: name,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'checksum/config': 'abc' } },
        spec: {
          containers: [
            { name: 'exporter', image: 'prom/postgres-exporter:1', resources: { limits: { cpu: '1' } } },
            {
              name: 'db',
              image,
              env: [{ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'pg', key: 'pw' } } }],
              readinessProbe: { exec: { command: ['pg_isready'] } },
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: 'pg-config' } }],
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } },
      ],
    },
    status: { replicas: 2, readyReplicas: 2, currentRevision: 'x' },
  });
}

/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; the API returns exactly such data. */
describe('informer cache trim', () => {
  const workloads = () => [
    apiStatefulSet('orders', 'postgres:16'),
    apiStatefulSet('custom', 'acme/db:1', {
      'lifeboat.dev/engine': 'mysql',
      'lifeboat.dev/protect': 'nightly',
    }),
    apiStatefulSet('web', 'nginx:1'),
  ];

  it('keeps what a policy reads of workloads: same candidates, identity and versions intact', () => {
    const full = workloads();
    const trimmed = workloads();
    trimmed.forEach(cacheTrimOf(RESOURCES.statefulSets));
    const candidates = (list: KubeObject[]) =>
      candidatesFromWorkloads(list as unknown as V1StatefulSet[], []).map((a) => ({
        ...a,
        workloads: a.workloads.map((w) => ({ ...w, annotations: { ...w.annotations, [LAST_APPLIED]: '' } })),
      }));
    expect(candidates(trimmed)).toEqual(candidates(full));
    // Both databases (one by image, one by annotation) of application 'shop'; nginx is not one.
    expect(
      candidatesFromWorkloads(trimmed as unknown as V1StatefulSet[], []).map((a) => [
        a.name,
        a.workloads.map((w) => w.name),
      ]),
    ).toEqual([['shop', ['custom', 'orders']]]);
    expect(trimmed[1]?.metadata).toMatchObject({
      uid: 'uid-custom',
      resourceVersion: '42',
      generation: 3,
      annotations: { 'lifeboat.dev/engine': 'mysql', 'lifeboat.dev/protect': 'nightly' },
    });
  });

  it('drops the bulk: status, managedFields, last-applied copy, probes, env, volumes', () => {
    const [trimmed] = workloads();
    if (!trimmed) throw new Error('no fixture');
    const before = JSON.stringify(trimmed).length;
    cacheTrimOf(RESOURCES.statefulSets)(trimmed);
    const text = JSON.stringify(trimmed);
    for (const gone of ['status', 'managedFields', LAST_APPLIED, 'readinessProbe', 'secretKeyRef', 'volumes'])
      expect(text).not.toContain(gone);
    expect(text.length).toBeLessThan(before / 5);
  });

  it('keeps spec and status of Lifeboat kinds (only bookkeeping goes)', () => {
    const backup: KubeObject = {
      metadata: {
        name: 'b',
        namespace: 'shop',
        managedFields: [{ manager: 'x' }],
        annotations: { [LAST_APPLIED]: '{}', keep: 'me' },
      },
      spec: { repository: 'repo' },
      status: { phase: 'Succeeded' },
    };
    cacheTrimOf(RESOURCES.backups)(backup);
    expect(backup).toEqual({
      metadata: { name: 'b', namespace: 'shop', annotations: { keep: 'me' } },
      spec: { repository: 'repo' },
      status: { phase: 'Succeeded' },
    });
  });
});
