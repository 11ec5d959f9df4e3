/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; the API returns exactly such data. */
import { describe, expect, it } from 'vitest';
import type { V1Endpoints } from '@kubernetes/client-node';
import { recogniseNamespace, type NamespaceObjects } from '../../../engine/kube/index.ts';
import { DISCOVERY_PROJECTIONS } from '../../../engine/kube/projection.ts';
import {
  aClaim,
  aDeployment,
  anEndpointSlice,
  aPod,
  aService,
  aStatefulSet,
  env,
  envFromSecret,
  objects,
} from './_fixtures.ts';

const NS = 'shop';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** One namespace exercising every path of recognition (engines, endpoints, credentials, claims). */
function namespace(): NamespaceObjects {
  const legacy: V1Endpoints = {
    metadata: { name: 'legacy', namespace: NS },
    subsets: [{ addresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'sql', port: 3307 }] }],
  };
  return objects(NS, {
    statefulSets: [
      aStatefulSet(NS, 'pg')
        .withImage('envoyproxy/envoy:v1', 9901)
        .withImage('bitnami/postgresql:16', 5432)
        .withEnv(env('POSTGRES_DB', 'orders'), envFromSecret('POSTGRES_PASSWORD', 'pg-auth', 'pw'))
        .withLabels({ 'app.kubernetes.io/part-of': 'shop' })
        .withReplicas(2)
        .withClaimTemplate('data')
        .build(),
      aStatefulSet(NS, 'my')
        .withImage('mysql:8', 3306)
        .withReplicas(3)
        .withAnnotations({ 'lifeboat.dev/app': 'shop', 'lifeboat.dev/credentials': 'my-auth' })
        .build(),
      aStatefulSet(NS, 'ext').withImage('postgres:16', 5432).build(),
      aStatefulSet(NS, 'legacy')
        .withImage('mariadb:11', 3306)
        .withEnv(env('MARIADB_ROOT_PASSWORD', 'x'))
        .build(),
      aStatefulSet(NS, 'rds')
        .withImage('acme/custom:1', 5432)
        .withAnnotations({ 'lifeboat.dev/engine': 'postgres', 'lifeboat.dev/databases': 'a,b' })
        .build(),
      aStatefulSet(NS, 'web').withImage('nginx:1', 80).build(),
    ],
    deployments: [
      aDeployment(NS, 'mongo')
        .withImage('bitnami/mongodb:7', 27017)
        .withEnv(env('MONGODB_ROOT_USER', 'admin'), envFromSecret('MONGODB_ROOT_PASSWORD', 'm', 'k'))
        .build(),
    ],
    services: [
      aService(NS, 'pg-primary', 'pg', 5432),
      aService(NS, 'pg-read', 'pg', 5432),
      aService(NS, 'my', 'my', 3306, { headless: true }),
      aService(NS, 'ext', undefined, 5432),
      aService(NS, 'legacy', undefined, 3306),
      aService(NS, 'rds', undefined, 6432, { externalName: 'orders.example.com' }),
      aService(NS, 'mongo', 'mongo', 27017),
    ],
    pods: [aPod(NS, 'my-0', 'my', { role: 'replica' }), aPod(NS, 'my-1', 'my', { role: 'primary' })],
    endpointSlices: [anEndpointSlice(NS, 'ext', '127.0.0.1', 45432)],
    endpoints: [legacy],
    pvcs: [aClaim(NS, 'data-pg-0')],
  });
}

/** What the API adds around the same objects: status, bookkeeping, fields recognition never reads. */
function asTheApiReturnsThem(ns: NamespaceObjects): NamespaceObjects {
  const noisy = <T>(o: T): T => {
    const copy = structuredClone(o) as T & {
      metadata?: Record<string, unknown> & { annotations?: Record<string, string> };
      status?: unknown;
      spec?: { template?: { spec?: { containers?: Record<string, unknown>[] } } };
    };
    copy.metadata = {
      ...copy.metadata,
      uid: '0b7f0c1e-1',
      resourceVersion: '123',
      creationTimestamp: new Date(0),
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
      annotations: { ...copy.metadata?.annotations, [LAST_APPLIED]: JSON.stringify(o).repeat(4) },
    };
    copy.status = { replicas: 1, readyReplicas: 1, conditions: [{ type: 'Ready', status: 'True' }] };
    for (const c of copy.spec?.template?.spec?.containers ?? []) {
      c.resources = { limits: { memory: '1Gi' } };
      c.readinessProbe = { exec: { command: ['pg_isready'] } };
      c.env = [
        ...((c.env as unknown[] | undefined) ?? []),
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ];
    }
    return copy;
  };
  return {
    namespace: ns.namespace,
    statefulSets: ns.statefulSets.map(noisy),
    deployments: ns.deployments.map(noisy),
    services: ns.services.map(noisy),
    pods: ns.pods.map(noisy),
    endpointSlices: ns.endpointSlices.map(noisy),
    endpoints: ns.endpoints.map(noisy),
    pvcs: ns.pvcs.map(noisy),
  };
}

function projected(ns: NamespaceObjects): NamespaceObjects {
  const p = DISCOVERY_PROJECTIONS;
  return {
    namespace: ns.namespace,
    statefulSets: ns.statefulSets.map(p.statefulsets),
    deployments: ns.deployments.map(p.deployments),
    services: ns.services.map(p.services),
    pods: ns.pods.map(p.pods),
    endpointSlices: ns.endpointSlices.map(p.endpointslices),
    endpoints: ns.endpoints.map(p.endpoints),
    pvcs: ns.pvcs.map(p.persistentvolumeclaims),
  };
}

describe('discovery projections', () => {
  it('recognition of projected API objects equals recognition of the objects themselves', () => {
    const plain = namespace();
    const expected = recogniseNamespace(plain);
    // Every path is exercised: six recognised (one per endpoint/credential path), one skipped.
    expect(expected.recognised.map((r) => r.name).sort()).toEqual([
      'ext',
      'legacy',
      'mongo',
      'my',
      'pg',
      'rds',
    ]);
    expect(expected.skipped.map((s) => s.name)).toEqual(['web']);
    expect(recogniseNamespace(projected(asTheApiReturnsThem(plain)))).toEqual(expected);
  });

  it('keeps none of the bulk: status, managedFields, last-applied copy, probes, other env sources', () => {
    const api = asTheApiReturnsThem(namespace());
    const kept = projected(api);
    const text = JSON.stringify(kept);
    for (const gone of [
      'managedFields',
      'status',
      LAST_APPLIED,
      'readinessProbe',
      'resources',
      'fieldRef',
      'uid',
    ])
      expect(text).not.toContain(gone);
    expect(text.length).toBeLessThan(JSON.stringify(api).length / 5);
    // The workload's own annotations stay (the Workload model carries them).
    expect(kept.statefulSets[1]?.metadata?.annotations).toEqual({
      'lifeboat.dev/app': 'shop',
      'lifeboat.dev/credentials': 'my-auth',
    });
  });
});
