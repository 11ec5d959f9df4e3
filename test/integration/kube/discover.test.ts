/**
 * Discovery against a real kube-apiserver: a namespace holding all four database kinds
 * (official and Bitnami images, an annotated Deployment), a web Deployment and an
 * opted-out database, Secrets with passwords. Checks the model (engines, endpoints,
 * credentials read from Secrets, grouping, skip reasons) and that `lifeboat discover`
 * prints references, never the passwords.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKubeClient,
  discover,
  type DiscoveredWorkload,
  type DiscoveryResult,
} from '../../../engine/kube/index.ts';
import type { DiscoveryReport } from '../../../engine/kube/report.ts';
import { useServer, type KubeServer, type SharedServer } from '../../../testcontainers/index.ts';
import {
  connect,
  createDeployment,
  createNamespace,
  createPod,
  createSecret,
  createService,
  createStatefulSet,
  plainEnv,
  secretEnv,
  type Cluster,
} from './_cluster.ts';

const CLI = resolve(import.meta.dirname, '../../../engine/cli/main.ts');
const suffix = randomBytes(3).toString('hex');
const NS = `lb-discover-${suffix}`;
const PASSWORDS = {
  orders: `pg-${randomBytes(9).toString('hex')}`,
  stock: `my-${randomBytes(9).toString('hex')}`,
  sessions: `mongo-${randomBytes(9).toString('hex')}`,
  events: `cass-${randomBytes(9).toString('hex')}`,
};

async function populate(c: Cluster): Promise<void> {
  await createNamespace(c, NS);
  await Promise.all([
    createSecret(c, NS, 'orders-pg', { password: PASSWORDS.orders }),
    createSecret(c, NS, 'stock-auth', { username: 'backup', password: PASSWORDS.stock }),
    createSecret(c, NS, 'sessions-mongodb', { 'mongodb-root-password': PASSWORDS.sessions }),
    createSecret(c, NS, 'events-cass', { 'cassandra-password': PASSWORDS.events }),
  ]);
  await Promise.all([
    // Official PostgreSQL, password from a Secret through the image's env var, headless Service.
    createStatefulSet(c, NS, {
      name: 'orders-db',
      image: 'docker.io/library/postgres:16@sha256:' + 'a'.repeat(64),
      port: 5432,
      env: [secretEnv('POSTGRES_PASSWORD', 'orders-pg', 'password'), plainEnv('POSTGRES_DB', 'orders')],
      labels: { 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'lifeboat.dev/strategy': 'logical' },
      claimTemplates: ['data'],
    }),
    createService(c, NS, 'orders-db', 'orders-db', 5432, { headless: true }),
    createPod(c, NS, 'orders-db-0', 'orders-db', 'postgres:16', { role: 'primary' }),
    // Bitnami MariaDB with primary/read Services and the credentials annotation.
    createStatefulSet(c, NS, {
      name: 'stock-db',
      image: 'registry.example.com/bitnami/mariadb:10.11',
      port: 3306,
      replicas: 2,
      labels: { 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'lifeboat.dev/credentials': 'stock-auth', 'lifeboat.dev/blueprint': 'mysql-logical' },
      claimTemplates: ['data'],
    }),
    createService(c, NS, 'stock-db-primary', 'stock-db', 3306),
    createService(c, NS, 'stock-db-read', 'stock-db', 3306),
    // Bitnami MongoDB, grouped by the app annotation although its part-of label says otherwise.
    createStatefulSet(c, NS, {
      name: 'sessions',
      image: 'bitnami/mongodb:7.0',
      port: 27017,
      env: [
        plainEnv('MONGODB_ROOT_USER', 'root'),
        secretEnv('MONGODB_ROOT_PASSWORD', 'sessions-mongodb', 'mongodb-root-password'),
      ],
      labels: { 'app.kubernetes.io/part-of': 'auth' },
      annotations: { 'lifeboat.dev/app': 'shop' },
    }),
    createService(c, NS, 'sessions', 'sessions', 27017),
    // A Deployment with a custom image, recognised only through its annotation; its own application.
    createDeployment(c, NS, {
      name: 'events-db',
      image: 'acme/events-store:3',
      port: 9042,
      env: [secretEnv('CASSANDRA_PASSWORD', 'events-cass', 'cassandra-password')],
      annotations: { 'lifeboat.dev/engine': 'cassandra' },
    }),
    createService(c, NS, 'events-db', 'events-db', 9042),
    // Skipped: not a database, and a database opted out.
    createDeployment(c, NS, { name: 'web', image: 'nginx:1.27', port: 80 }),
    createService(c, NS, 'web', 'web', 80),
    createStatefulSet(c, NS, {
      name: 'scratch-pg',
      image: 'postgres:16',
      port: 5432,
      annotations: { 'lifeboat.dev/engine': 'none' },
    }),
    createService(c, NS, 'scratch-pg', 'scratch-pg', 5432),
  ]);
}

describe('kube discovery on a real API server', () => {
  let kube: SharedServer<KubeServer>;
  let result: DiscoveryResult;
  const byName = (name: string): DiscoveredWorkload => {
    const found = result.applications.flatMap((a) => a.workloads).find((w) => w.recognised.name === name);
    if (!found) throw new Error(`workload ${name} not discovered`);
    return found;
  };

  beforeAll(async () => {
    kube = await useServer('kube');
    await populate(connect(kube.kubeconfig));
    const client = createKubeClient({ kubeconfig: kube.kubeconfig, pageSize: 2 });
    result = await discover(client, { namespace: NS });
    // 7 kinds listed in pages of 2 (at least 4 pages for the 5 workloads' kinds), plus 4 secrets.
    expect(client.requests).toBeGreaterThan(11);
  }, 300_000);

  it('recognises all four engines and says why', () => {
    expect(
      result.applications.flatMap((a) =>
        a.workloads.map((w) => [w.recognised.name, w.workload.engine, w.recognised.engineWhy]),
      ),
    ).toEqual([
      ['events-db', 'cassandra', 'annotation lifeboat.dev/engine=cassandra'],
      [
        'orders-db',
        'postgres',
        expect.stringMatching(/runs official postgres image docker.io\/library\/postgres:16@sha256/),
      ],
      ['sessions', 'mongodb', 'container "db" runs Bitnami mongodb image bitnami/mongodb:7.0'],
      [
        'stock-db',
        'mysql',
        'container "db" runs Bitnami mysql image registry.example.com/bitnami/mariadb:10.11',
      ],
    ]);
  });

  it('groups by lifeboat.dev/app over part-of; a lone workload is its own application', () => {
    expect(
      result.applications.map((a) => [a.namespace, a.name, a.workloads.map((w) => w.recognised.name)]),
    ).toEqual([
      [NS, 'events-db', ['events-db']],
      [NS, 'shop', ['orders-db', 'sessions', 'stock-db']],
    ]);
  });

  it('resolves endpoints from headless pods, primary/read Services and plain Services', () => {
    const orders = byName('orders-db').workload;
    expect(orders.primary).toEqual({
      host: `orders-db-0.orders-db.${NS}.svc`,
      port: 5432,
      role: 'primary',
      url: `postgres://orders-db-0.orders-db.${NS}.svc:5432/orders`,
    });
    const stock = byName('stock-db').workload;
    expect(stock.primary.host).toBe(`stock-db-primary.${NS}.svc`);
    expect(stock.replicas.map((r) => r.host)).toEqual([`stock-db-read.${NS}.svc`]);
    expect(byName('sessions').workload.primary.url).toBe(`mongodb://sessions.${NS}.svc:27017`);
    expect(byName('events-db').workload.primary.port).toBe(9042);
  });

  it('reads the credentials from the referenced Secrets into the Workloads', () => {
    expect(byName('orders-db').workload.credentials).toEqual({
      username: 'postgres',
      password: PASSWORDS.orders,
      secretRef: { namespace: NS, name: 'orders-pg' },
    });
    expect(byName('stock-db').workload.credentials).toEqual({
      username: 'backup',
      password: PASSWORDS.stock,
      secretRef: { namespace: NS, name: 'stock-auth' },
    });
    expect(byName('sessions').workload.credentials.password).toBe(PASSWORDS.sessions);
    expect(byName('events-db').workload.credentials).toMatchObject({
      username: 'cassandra',
      password: PASSWORDS.events,
    });
    for (const app of result.applications) for (const w of app.workloads) expect(w.problems).toEqual([]);
  });

  it('carries annotations, PVC names and the owner', () => {
    const orders = byName('orders-db');
    expect(orders.workload.pvcs).toEqual(['data-orders-db-0']);
    expect(orders.recognised.strategy).toBe('logical');
    expect(orders.workload.owner).toEqual({ kind: 'StatefulSet', name: 'orders-db', namespace: NS });
    expect(byName('stock-db').workload.pvcs).toEqual(['data-stock-db-0', 'data-stock-db-1']);
    expect(byName('stock-db').recognised.blueprint).toBe('mysql-logical');
    expect(byName('stock-db').workload.source).toBe('kubernetes');
  });

  it('reports what it skipped and why', () => {
    expect(result.skipped.map((s) => [s.kind, s.name, s.reason])).toEqual([
      ['StatefulSet', 'scratch-pg', 'annotation lifeboat.dev/engine: none'],
      ['Deployment', 'web', 'no lifeboat.dev/engine annotation and no known database image (nginx:1.27)'],
    ]);
  });

  it('lifeboat discover prints references and reasons, never the passwords', async () => {
    const env = { ...process.env, KUBECONFIG: kube.kubeconfig };
    const outputs: string[] = [];
    for (const format of ['table', 'json', 'yaml']) {
      // --check-credentials: the CLI process reads the Secrets too, and still prints none of them.
      const run = await execa(
        process.execPath,
        [CLI, 'discover', '-n', NS, '-o', format, '--check-credentials'],
        {
          env,
          reject: false,
          all: true,
        },
      );
      expect(run.exitCode, run.all).toBe(0);
      outputs.push(run.all);
    }
    const [table = '', json = '', yaml = ''] = outputs;
    for (const out of outputs) for (const pw of Object.values(PASSWORDS)) expect(out).not.toContain(pw);
    expect(table).toContain(`APP ${NS}/shop`);
    expect(table).toContain('password from secret orders-pg key password (container env POSTGRES_PASSWORD)');
    expect(table).toContain(`${NS}/Deployment/web: no lifeboat.dev/engine annotation`);
    const report = JSON.parse(json) as DiscoveryReport;
    expect(report).toEqual(parse(yaml));
    const stock = report.applications.flatMap((a) => a.workloads).find((w) => w.name === 'stock-db');
    expect(stock?.secretRef).toBe(`${NS}/stock-auth`);
    expect(report.skipped).toHaveLength(2);
    // --kubeconfig wins over the environment; -A sees the same namespace.
    const all = await execa(
      process.execPath,
      [CLI, 'discover', '-A', '-o', 'json', '--kubeconfig', kube.kubeconfig],
      {
        env: { ...process.env, KUBECONFIG: '/nonexistent' },
        reject: false,
        all: true,
      },
    );
    expect(all.exitCode, all.all).toBe(0);
    const everywhere = JSON.parse(all.stdout) as DiscoveryReport;
    expect(everywhere.applications.filter((a) => a.namespace === NS).map((a) => a.name)).toEqual([
      'events-db',
      'shop',
    ]);
  }, 60_000);
});
