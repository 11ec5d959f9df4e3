import { describe, expect, it } from 'vitest';
import {
  assembleWorkload,
  describeDiscovery,
  discoveryReport,
  groupApplications,
  recogniseNamespace,
} from '../../../engine/kube/index.ts';
import { aDeployment, aService, aStatefulSet, env, envFromSecret, objects } from './_fixtures.ts';

const NS = 'shop';

describe('discover report', () => {
  const recognised = recogniseNamespace(
    objects(NS, {
      statefulSets: [
        aStatefulSet(NS, 'orders-db')
          .withImage('postgres:16', 5432)
          .withEnv(envFromSecret('POSTGRES_PASSWORD', 'pg', 'pw'))
          .withAnnotations({ 'lifeboat.dev/strategy': 'replica' })
          .build(),
        aStatefulSet(NS, 'stock-db')
          .withImage('mysql:8', 3306)
          .withEnv(env('MYSQL_ROOT_PASSWORD', 'literal-pass-42'))
          .build(),
      ],
      deployments: [aDeployment(NS, 'web').withImage('nginx:1.27').build()],
      services: [aService(NS, 'orders-db', 'orders-db', 5432), aService(NS, 'stock-db', 'stock-db', 3306)],
    }),
  );
  const secrets = new Map([['pg', { pw: 'secret-from-secret-99' }]]);
  const result = {
    applications: groupApplications(recognised.recognised.map((r) => assembleWorkload(r, secrets))),
    skipped: recognised.skipped,
  };

  it('holds the passwords in the model only', () => {
    const all = result.applications.flatMap((a) => a.workloads.map((w) => w.workload.credentials.password));
    expect(all.sort()).toEqual(['literal-pass-42', 'secret-from-secret-99']);
    const report = discoveryReport(result);
    for (const text of [JSON.stringify(report), describeDiscovery(report)]) {
      expect(text).not.toContain('literal-pass-42');
      expect(text).not.toContain('secret-from-secret-99');
    }
  });

  it('shows engine, reason, endpoint, credential reference, strategy and skips', () => {
    const text = describeDiscovery(discoveryReport(result));
    expect(text).toContain('2 application(s), 2 database workload(s)');
    expect(text).toContain('postgres  StatefulSet/orders-db');
    expect(text).toContain('matched:     container "c0" runs official postgres image postgres:16');
    expect(text).toContain('primary:     postgres://orders-db.shop.svc:5432');
    expect(text).toContain('credentials: password from secret pg key pw (container env POSTGRES_PASSWORD)');
    expect(text).toContain(
      'credentials: password from env MYSQL_ROOT_PASSWORD (container env MYSQL_ROOT_PASSWORD)',
    );
    expect(text).toContain('strategy:    replica');
    expect(text).toContain('shop/Deployment/web: no lifeboat.dev/engine annotation');
  });
});
