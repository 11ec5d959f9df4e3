import { describe, expect, it } from 'vitest';
import {
  assembleWorkload,
  groupApplications,
  recogniseNamespace,
  recogniseWorkload,
} from '../../../engine/kube/index.ts';
import {
  aDeployment,
  anEndpointSlice,
  aPod,
  aService,
  aClaim,
  aStatefulSet,
  env,
  envFromSecret,
  objects,
} from './_fixtures.ts';

const NS = 'shop';

describe('engine decision and skip reasons', () => {
  const svc = (name: string, port: number) => aService(NS, name, name, port);
  it.each([
    {
      title: 'official image',
      build: () => aStatefulSet(NS, 'orders-db').withImage('postgres:16', 5432).build(),
      port: 5432,
      engine: 'postgres',
      why: /container "c0" runs official postgres image postgres:16/,
    },
    {
      title: 'Bitnami image behind a sidecar',
      build: () =>
        aStatefulSet(NS, 'orders-db')
          .withImage('envoyproxy/envoy:v1', 9901)
          .withImage('registry.example.com/bitnami/mariadb:10.11', 3306)
          .build(),
      port: 3306,
      engine: 'mysql',
      why: /runs Bitnami mysql image registry.example.com\/bitnami\/mariadb/,
    },
    {
      title: 'annotation on a custom image',
      build: () =>
        aDeployment(NS, 'orders-db')
          .withImage('acme/pg-custom:1', 5432)
          .withAnnotations({ 'lifeboat.dev/engine': 'PostgreSQL' })
          .build(),
      port: 5432,
      engine: 'postgres',
      why: /annotation lifeboat.dev\/engine=PostgreSQL/,
    },
    {
      title: 'annotation wins over the image',
      build: () =>
        aStatefulSet(NS, 'orders-db')
          .withImage('mongo:7', 27017)
          .withAnnotations({ 'lifeboat.dev/engine': 'cassandra' })
          .build(),
      port: 27017,
      engine: 'cassandra',
      why: /annotation/,
    },
  ])('recognises: $title', ({ build, port, engine, why }) => {
    const w = build();
    const kind = w.kind as 'StatefulSet' | 'Deployment';
    const r = recogniseWorkload(kind, w, objects(NS, { services: [svc('orders-db', port)] }));
    expect(r.skipped).toBeUndefined();
    expect(r.recognised?.engine).toBe(engine);
    expect(r.recognised?.engineWhy).toMatch(why);
  });

  it.each([
    {
      title: 'non-database image',
      build: () => aDeployment(NS, 'web').withImage('nginx:1.27', 80).build(),
      reason: /no lifeboat.dev\/engine annotation and no known database image \(nginx:1.27\)/,
    },
    {
      title: 'engine: none',
      build: () =>
        aStatefulSet(NS, 'cache')
          .withImage('postgres:16')
          .withAnnotations({ 'lifeboat.dev/engine': 'none' })
          .build(),
      reason: /annotation lifeboat.dev\/engine: none/,
    },
    {
      title: 'unknown engine value',
      build: () =>
        aStatefulSet(NS, 'kv')
          .withImage('redis:7')
          .withAnnotations({ 'lifeboat.dev/engine': 'redis' })
          .build(),
      reason: /unknown engine "redis" .*known: postgres, mysql, mongodb, cassandra, none/,
    },
    {
      title: 'no Service reaches it',
      build: () => aStatefulSet(NS, 'lonely').withImage('postgres:16').build(),
      reason: /no Service reaches it/,
    },
  ])('skips: $title', ({ build, reason }) => {
    const w = build();
    const r = recogniseWorkload(
      w.kind as 'StatefulSet',
      w,
      objects(NS, { services: [svc('orders-db', 5432)] }),
    );
    expect(r.recognised).toBeUndefined();
    expect(r.skipped?.reason).toMatch(reason);
  });
});

describe('endpoints', () => {
  it('Bitnami primary/read Services give primary and replica', () => {
    const sts = aStatefulSet(NS, 'pg').withImage('bitnami/postgresql:16', 5432).build();
    const r = recogniseWorkload(
      'StatefulSet',
      sts,
      objects(NS, {
        services: [aService(NS, 'pg-read', 'pg', 5432), aService(NS, 'pg-primary', 'pg', 5432)],
      }),
    ).recognised;
    expect(r?.primary).toMatchObject({ host: 'pg-primary.shop.svc', port: 5432, role: 'primary' });
    expect(r?.replicas.map((e) => e.host)).toEqual(['pg-read.shop.svc']);
  });

  it('headless governing Service gives pod DNS names, roles from pod labels', () => {
    const sts = aStatefulSet(NS, 'db').withImage('mysql:8', 3306).withReplicas(3).build();
    const r = recogniseWorkload(
      'StatefulSet',
      sts,
      objects(NS, {
        services: [aService(NS, 'db', 'db', 3306, { headless: true })],
        pods: [
          aPod(NS, 'db-0', 'db', { role: 'replica' }),
          aPod(NS, 'db-1', 'db', { role: 'primary' }),
          aPod(NS, 'db-2', 'db', { role: 'replica' }),
        ],
      }),
    ).recognised;
    expect(r?.primary).toEqual({
      host: 'db-1.db.shop.svc',
      port: 3306,
      role: 'primary',
      url: 'mysql://db-1.db.shop.svc:3306',
    });
    expect(r?.replicas.map((e) => e.host)).toEqual(['db-0.db.shop.svc', 'db-2.db.shop.svc']);
  });

  it('headless Service without role labels: pod 0 is the primary', () => {
    const sts = aStatefulSet(NS, 'db').withImage('mongo:7', 27017).withReplicas(2).build();
    const r = recogniseWorkload(
      'StatefulSet',
      sts,
      objects(NS, { services: [aService(NS, 'db', 'db', 27017, { headless: true })] }),
    ).recognised;
    expect(r?.primary.host).toBe('db-0.db.shop.svc');
    expect(r?.replicas).toEqual([]);
  });

  it('selector-less Service resolves through its EndpointSlice', () => {
    const sts = aStatefulSet(NS, 'ext')
      .withImage('postgres:16', 5432)
      .withEnv(env('POSTGRES_DB', 'orders'))
      .build();
    const r = recogniseWorkload(
      'StatefulSet',
      sts,
      objects(NS, {
        services: [aService(NS, 'ext', undefined, 5432)],
        endpointSlices: [anEndpointSlice(NS, 'ext', '127.0.0.1', 45432)],
      }),
    ).recognised;
    expect(r?.primary).toEqual({
      host: '127.0.0.1',
      port: 45432,
      role: 'primary',
      url: 'postgres://127.0.0.1:45432/orders',
    });
  });

  it('ExternalName Service: its DNS name, its port', () => {
    const sts = aStatefulSet(NS, 'rds').withImage('postgres:16', 5432).build();
    const service = aService(NS, 'rds', undefined, 6432, {
      externalName: 'orders.abc.eu-west-1.rds.amazonaws.com',
    });
    const r = recogniseWorkload('StatefulSet', sts, objects(NS, { services: [service] })).recognised;
    expect(r?.primary).toMatchObject({
      host: 'orders.abc.eu-west-1.rds.amazonaws.com',
      port: 6432,
      role: 'primary',
    });
  });

  it('a Service selecting other pods is ignored', () => {
    const sts = aStatefulSet(NS, 'a').withImage('postgres:16', 5432).build();
    const r = recogniseWorkload(
      'StatefulSet',
      sts,
      objects(NS, { services: [aService(NS, 'b', 'b', 5432)] }),
    );
    expect(r.skipped?.reason).toMatch(/no Service reaches it/);
  });
});

describe('credentials, PVCs, grouping', () => {
  const svc = aService(NS, 'db', 'db', 5432);
  it.each([
    {
      title: 'annotated Secret',
      build: () =>
        aStatefulSet(NS, 'db')
          .withImage('postgres:16', 5432)
          .withAnnotations({ 'lifeboat.dev/credentials': 'db-auth' })
          .build(),
      secrets: { 'db-auth': { username: 'backup', password: 's3cret' } },
      expected: { username: 'backup', password: 's3cret', secretRef: { namespace: NS, name: 'db-auth' } },
      from: /user from secret db-auth key username, password from secret db-auth key password/,
    },
    {
      title: 'annotated Secret without username: the image superuser',
      build: () =>
        aStatefulSet(NS, 'db')
          .withImage('mysql:8', 5432)
          .withAnnotations({ 'lifeboat.dev/credentials': 'db-auth' })
          .build(),
      secrets: { 'db-auth': { password: 'pw' } },
      expected: { username: 'root', password: 'pw', secretRef: { namespace: NS, name: 'db-auth' } },
      from: /annotation lifeboat.dev\/credentials=db-auth/,
    },
    {
      title: 'POSTGRES_PASSWORD via secretKeyRef',
      build: () =>
        aStatefulSet(NS, 'db')
          .withImage('postgres:16', 5432)
          .withEnv(envFromSecret('POSTGRES_PASSWORD', 'pg-secret', 'pw'))
          .build(),
      secrets: { 'pg-secret': { pw: 'hunter2' } },
      expected: {
        username: 'postgres',
        password: 'hunter2',
        secretRef: { namespace: NS, name: 'pg-secret' },
      },
      from: /container env POSTGRES_PASSWORD/,
    },
    {
      title: 'Bitnami MongoDB root user and password',
      build: () =>
        aStatefulSet(NS, 'db')
          .withImage('bitnami/mongodb:7', 5432)
          .withEnv(
            env('MONGODB_ROOT_USER', 'admin'),
            envFromSecret('MONGODB_ROOT_PASSWORD', 'mongo', 'mongodb-root-password'),
          )
          .build(),
      secrets: { mongo: { 'mongodb-root-password': 'm' } },
      expected: { username: 'admin', password: 'm', secretRef: { namespace: NS, name: 'mongo' } },
      from: /user from env MONGODB_ROOT_USER/,
    },
    {
      title: 'MariaDB root password literal',
      build: () =>
        aStatefulSet(NS, 'db')
          .withImage('mariadb:11', 5432)
          .withEnv(env('MARIADB_ROOT_PASSWORD', 'lit'))
          .build(),
      secrets: {},
      expected: { username: 'root', password: 'lit' },
      from: /password from env MARIADB_ROOT_PASSWORD/,
    },
  ])('$title', ({ build, secrets, expected, from }) => {
    const r = recogniseWorkload('StatefulSet', build(), objects(NS, { services: [svc] })).recognised;
    if (!r) throw new Error('not recognised');
    const d = assembleWorkload(r, new Map(Object.entries(secrets)));
    expect(d.workload.credentials).toEqual(expected);
    expect(d.credentialsFrom).toMatch(from);
    expect(d.problems).toEqual([]);
  });

  it('a missing Secret or key is a problem, never a value', () => {
    const sts = aStatefulSet(NS, 'db')
      .withImage('postgres:16', 5432)
      .withEnv(envFromSecret('POSTGRES_PASSWORD', 'pg-secret', 'pw'))
      .build();
    const r = recogniseWorkload('StatefulSet', sts, objects(NS, { services: [svc] })).recognised;
    if (!r) throw new Error('not recognised');
    expect(assembleWorkload(r, new Map([['pg-secret', undefined]])).problems).toEqual([
      'secret pg-secret not found',
    ]);
    expect(assembleWorkload(r, new Map([['pg-secret', { other: 'x' }]])).problems).toEqual([
      'secret pg-secret has no key "pw"',
    ]);
  });

  it('claim templates expand per ordinal', () => {
    const sts = aStatefulSet(NS, 'db')
      .withImage('postgres:16', 5432)
      .withReplicas(2)
      .withClaimTemplate('data')
      .withClaimTemplate('wal')
      .build();
    const r = recogniseWorkload(
      'StatefulSet',
      sts,
      objects(NS, { services: [svc], pvcs: [aClaim(NS, 'data-db-0')] }),
    ).recognised;
    expect(r?.pvcs).toEqual(['data-db-0', 'data-db-1', 'wal-db-0', 'wal-db-1']);
    expect(r?.pvcsFound).toEqual(['data-db-0']);
  });

  it('groups by lifeboat.dev/app (wins) or part-of; a lone workload is its own application', () => {
    const services = ['a', 'b', 'c', 'd'].map((n) => aService(NS, n, n, 5432));
    const result = recogniseNamespace(
      objects(NS, {
        statefulSets: [
          aStatefulSet(NS, 'a')
            .withImage('postgres:16', 5432)
            .withLabels({ 'app.kubernetes.io/part-of': 'shop' })
            .build(),
          aStatefulSet(NS, 'b')
            .withImage('mysql:8', 5432)
            .withLabels({ 'app.kubernetes.io/part-of': 'other' })
            .withAnnotations({ 'lifeboat.dev/app': 'shop' })
            .build(),
          aStatefulSet(NS, 'c').withImage('mongo:7', 5432).build(),
        ],
        deployments: [
          aDeployment(NS, 'd')
            .withImage('cassandra:5', 5432)
            .withLabels({ 'app.kubernetes.io/part-of': 'shop' })
            .build(),
        ],
        services,
      }),
    );
    const apps = groupApplications(result.recognised.map((r) => assembleWorkload(r, new Map())));
    expect(
      apps.map((a) => [a.name, a.workloads.map((w) => `${w.recognised.name}:${w.recognised.appWhy}`)]),
    ).toEqual([
      ['c', ['c:lone workload']],
      [
        'shop',
        [
          'a:label app.kubernetes.io/part-of',
          'b:annotation lifeboat.dev/app',
          'd:label app.kubernetes.io/part-of',
        ],
      ],
    ]);
  });
});
