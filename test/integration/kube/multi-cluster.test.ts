/**
 * Two clusters, one repository. Two real API servers (A: the shared test server, B: a
 * private one), each running a Lifeboat controller, their Repository CRs pointing at the
 * same S3 bucket prefix. A Backup CR in cluster A captures a discovered PostgreSQL workload
 * (wired to the real test PostgreSQL through an EndpointSlice), a Backup CR in cluster B one
 * of its own; each manifest carries its cluster's identity (the kube-system UID),
 * `lifeboat list --cluster` filters by it, and a Restore CR in cluster B restores cluster
 * A's backup into its mapped namespace (namespace and storage-class mapping) whose workload
 * is a second, separate PostgreSQL server. Data is compared; a Restore naming the wrong
 * source cluster or mapping into another namespace is refused.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { CustomObjectsApi, StorageV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type ControllerHandle } from '../../../engine/controller/controller.ts';
import { silentLogger } from '../../../engine/controller/index.ts';
import { API_VERSION, GROUP, VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { kubeSystemUidReader, resolveClusterIdentity } from '../../../engine/kube/cluster-identity.ts';
import { createKubeClient, discover, loadKubeConfig } from '../../../engine/kube/index.ts';
import { listStorageClassNames } from '../../../engine/kube/storage-classes.ts';
import { openStore, Repository } from '../../../engine/repository/index.ts';
import { mapRestoreTargets } from '../../../engine/runs/restore-mapping.ts';
import {
  startKube,
  startPostgres,
  useServer,
  type KubeServer,
  type PostgresServer,
  type S3Server,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { pgQuery } from '../../_support/sql.ts';
import { connect, createNamespace, createOrdersDb, createSecret, type Cluster } from './_cluster.ts';
import { applyCrds } from './_crds.ts';

const CLI = resolve(import.meta.dirname, '../../../engine/cli/main.ts');
const suffix = randomBytes(3).toString('hex');
const NS_A = `shop-a-${suffix}`;
const NS_B = `shop-b-${suffix}`;
const NS_B_OWN = `inventory-b-${suffix}`;
const DB = `mc_orders_${suffix}`;
const DB_B = `mc_inventory_${suffix}`;
const PREFIX = `multi-cluster-${suffix}`;

interface Cr {
  metadata: { name: string };
  status?: {
    phase?: string;
    backupId?: string;
    cluster?: string;
    message?: string;
    verified?: boolean;
    restored?: { member: string; databases: string[] }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

/** Lifeboat CRs of one cluster. */
function lifeboatCrs(kubeconfig: string) {
  const api = loadKubeConfig(kubeconfig).makeApiClient(CustomObjectsApi);
  const plural = (kind: string) => (kind === 'Repository' ? 'repositories' : `${kind.toLowerCase()}s`);
  const get = async (namespace: string, kind: string, name: string) =>
    (await api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: plural(kind),
      name,
    })) as Cr;
  return {
    create: async (namespace: string, kind: string, name: string, spec: Record<string, unknown>) => {
      await api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: plural(kind),
        body: { apiVersion: API_VERSION, kind, metadata: { name }, spec },
      });
    },
    /** Waits for Succeeded or Failed. */
    finished: async (namespace: string, kind: string, name: string): Promise<Cr> => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const cr = await get(namespace, kind, name);
        if (cr.status?.phase === 'Succeeded' || cr.status?.phase === 'Failed') return cr;
        if (Date.now() > deadline)
          throw new Error(`${kind} ${name} not finished: ${JSON.stringify(cr.status)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}

/** A PostgreSQL StatefulSet whose selector-less Service reaches `server` on loopback. */
async function wirePostgres(
  c: Cluster,
  namespace: string,
  server: { port: number; user: string; password: string },
  database: string,
  storageClass: string,
): Promise<void> {
  await createNamespace(c, namespace);
  await createOrdersDb(c, namespace, server, database, { claimTemplates: ['data'] });
  // The PVC a StatefulSet controller would create (none runs here), with its storage class.
  await c.core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name: 'data-orders-db-0' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: storageClass,
        resources: { requests: { storage: '1Gi' } },
      },
    },
  });
}

describe('two clusters sharing one repository', () => {
  let kubeA: SharedServer<KubeServer>;
  let kubeB: KubeServer | undefined;
  let s3: SharedServer<S3Server>;
  let pgA: SharedServer<PostgresServer>;
  let pgB: PostgresServer | undefined;
  const controllers: ControllerHandle[] = [];
  let repoUrl = '';
  const key = randomBytes(32).toString('base64');
  const clusters = { a: '', b: '' };
  const ids = { a: '', b: '' };
  const crsA = () => lifeboatCrs(kubeA.kubeconfig);
  const crsB = () => lifeboatCrs(kubeB?.kubeconfig ?? '');

  const openRepo = async () =>
    Repository.open(
      await openStore(repoUrl, {
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      }),
      { key: Buffer.from(key) },
    );

  /** The Repository CR `shared` of `namespace`: the one bucket prefix, credentials and key in Secrets there. */
  async function sharedRepository(kubeconfig: string, namespace: string): Promise<void> {
    const c = connect(kubeconfig);
    await createSecret(c, namespace, 's3-creds', {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    await createSecret(c, namespace, 'repo-key', { key });
    await lifeboatCrs(kubeconfig).create(namespace, 'Repository', 'shared', {
      url: `s3://${s3.bucket}/${PREFIX}`,
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentialsSecret: { name: 's3-creds' },
      encryptionKeySecret: { name: 'repo-key' },
    });
  }

  beforeAll(async () => {
    [kubeA, s3, pgA, kubeB, pgB] = await Promise.all([
      useServer('kube'),
      useServer('s3'),
      useServer('postgres'),
      startKube({ name: 'kube-b' }),
      startPostgres({ name: 'postgres-b' }),
    ]);
    repoUrl = `s3://${s3.bucket}/${PREFIX}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&pathStyle=true`;
    await Promise.all([applyCrds(kubeA.kubeconfig), applyCrds(kubeB.kubeconfig)]);

    await pgQuery(pgA, 'postgres', `CREATE DATABASE ${DB}`);
    await pgQuery(
      pgA,
      DB,
      `CREATE TABLE orders (id int PRIMARY KEY, item text, total numeric(10,2));
       INSERT INTO orders SELECT g, 'item-' || g, g * 1.25 FROM generate_series(1, 2000) g;`,
    );
    await pgQuery(pgB, 'postgres', `CREATE DATABASE ${DB_B}`);
    await pgQuery(
      pgB,
      DB_B,
      `CREATE TABLE stock (sku int PRIMARY KEY); INSERT INTO stock SELECT generate_series(1, 10)`,
    );

    const a = connect(kubeA.kubeconfig);
    const b = connect(kubeB.kubeconfig);
    await wirePostgres(a, NS_A, pgA, DB, 'fast-a');
    // Cluster B: the namespace the backup is restored into (its own PostgreSQL server) and
    // another application of its own that B backs up into the same repository.
    await wirePostgres(b, NS_B, pgB, DB, 'standard-b');
    await wirePostgres(b, NS_B_OWN, pgB, DB_B, 'standard-b');
    await loadKubeConfig(kubeB.kubeconfig)
      .makeApiClient(StorageV1Api)
      .createStorageClass({ body: { metadata: { name: 'standard-b' }, provisioner: 'example.com/none' } });
    await sharedRepository(kubeA.kubeconfig, NS_A);
    await sharedRepository(kubeB.kubeconfig, NS_B);
    await sharedRepository(kubeB.kubeconfig, NS_B_OWN);

    // One controller per cluster; no --cluster-name: each takes its kube-system UID.
    for (const [server, namespaces] of [
      [kubeA, [NS_A]],
      [kubeB, [NS_B, NS_B_OWN]],
    ] as const) {
      const controller = await startController({
        kubeConfig: loadKubeConfig(server.kubeconfig),
        namespaces,
        leaderElection: false,
        logger: silentLogger,
        policy: false,
      });
      controllers.push(controller);
      await controller.synced;
    }
  }, 300_000);

  afterAll(async () => {
    for (const c of controllers) await c.stop();
    await pgQuery(pgA, 'postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await Promise.all([kubeB?.stop(), pgB?.stop()]);
  }, 60_000);

  it('each cluster knows its identity from its kube-system namespace', async () => {
    for (const [name, server] of [
      ['a', kubeA],
      ['b', kubeB],
    ] as const) {
      if (!server) throw new Error('cluster B did not start');
      const identity = await resolveClusterIdentity({
        env: {},
        kubeSystemUid: kubeSystemUidReader(loadKubeConfig(server.kubeconfig)),
      });
      expect(identity.from).toBe('kube-system');
      const uid = (await connect(server.kubeconfig).core.readNamespace({ name: 'kube-system' })).metadata
        ?.uid;
      expect(identity.name).toBe(uid);
      clusters[name] = identity.name;
    }
    expect(clusters.a).not.toBe(clusters.b);
    expect(controllers.map((c) => c.cluster)).toEqual([clusters.a, clusters.b]);
  });

  it('Backup CRs in both clusters land in the one repository, each with its cluster', async () => {
    await crsA().create(NS_A, 'Backup', 'from-a', { repository: 'shared', application: 'shop' });
    await crsB().create(NS_B_OWN, 'Backup', 'from-b', { repository: 'shared', application: 'shop' });
    const fromA = await crsA().finished(NS_A, 'Backup', 'from-a');
    const fromB = await crsB().finished(NS_B_OWN, 'Backup', 'from-b');
    expect(fromA.status?.phase, JSON.stringify(fromA.status)).toBe('Succeeded');
    expect(fromB.status?.phase, JSON.stringify(fromB.status)).toBe('Succeeded');
    expect([fromA.status?.cluster, fromB.status?.cluster]).toEqual([clusters.a, clusters.b]);
    ids.a = fromA.status?.backupId ?? '';
    ids.b = fromB.status?.backupId ?? '';

    const repo = await openRepo();
    const manifestA = await repo.readManifest(ids.a);
    expect(manifestA).toMatchObject({ cluster: clusters.a, namespace: NS_A, app: 'shop' });
    expect(manifestA.members[0]?.kubernetes).toEqual({
      namespace: NS_A,
      kind: 'StatefulSet',
      name: 'orders-db',
      pvcs: [{ name: 'data-orders-db-0', storageClass: 'fast-a' }],
    });
    expect((await repo.readManifest(ids.b)).cluster).toBe(clusters.b);
  }, 300_000);
  it('lifeboat list shows where each backup came from and filters by --cluster', async () => {
    const cli = (args: string[]) =>
      execa(process.execPath, [CLI, 'list', '--repo', repoUrl, ...args], {
        env: {
          LIFEBOAT_REPO_KEY: key,
          AWS_ACCESS_KEY_ID: s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        },
        reject: false,
        all: true,
      });
    const table = await cli([]);
    expect(table.exitCode, table.all).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^BACKUP\s+CLUSTER\s+APP/);
    expect(lines.find((l) => l.startsWith(ids.a))?.split(/\s+/)[1]).toBe(clusters.a);
    expect(lines.find((l) => l.startsWith(ids.b))?.split(/\s+/)[1]).toBe(clusters.b);

    const onlyA = await cli(['--cluster', clusters.a, '-o', 'json']);
    expect(onlyA.exitCode, onlyA.all).toBe(0);
    const listed = JSON.parse(onlyA.stdout) as { backupId: string; cluster: string; namespace: string }[];
    expect(listed.map((b) => [b.backupId, b.cluster, b.namespace])).toEqual([[ids.a, clusters.a, NS_A]]);

    // One backup in detail: where it was taken and what a Restore elsewhere has to map.
    const detail = await cli([ids.a]);
    expect(detail.exitCode, detail.all).toBe(0);
    expect(detail.stdout).toContain(`taken in: cluster ${clusters.a}, namespace ${NS_A}`);
    expect(detail.stdout).toMatch(
      new RegExp(`orders-db\\s+${NS_A}\\s+StatefulSet/orders-db\\s+data-orders-db-0 \\(fast-a\\)`),
    );
  }, 120_000);

  it('a storage class cluster B lacks is named before anything is written', async () => {
    if (!kubeB) throw new Error('cluster B did not start');
    const manifest = await (await openRepo()).readManifest(ids.a);
    const discovered = await discover(createKubeClient({ kubeconfig: kubeB.kubeconfig }), {
      namespace: NS_B,
    });
    const available = await listStorageClassNames(loadKubeConfig(kubeB.kubeconfig));
    expect(available).toEqual(['standard-b']);
    const workloads = discovered.applications.flatMap((a) => a.workloads.map((w) => w.workload));
    const spec = {
      targetNamespace: NS_B,
      namespaceMapping: { [NS_A]: NS_B },
      availableStorageClasses: available,
    };
    expect(mapRestoreTargets(manifest, spec, workloads).problems).toEqual([
      'member orders-db: PVC data-orders-db-0: storage class fast-a does not exist in the target cluster; map it with storageClassMapping',
    ]);
    const mapped = mapRestoreTargets(
      manifest,
      { ...spec, storageClassMapping: { 'fast-a': 'standard-b' } },
      workloads,
    );
    expect(mapped.problems).toEqual([]);
    expect(mapped.members[0]?.workload.primary.port).toBe(pgB?.port);
  }, 120_000);

  it('refuses a Restore naming the wrong source cluster or mapping into another namespace', async () => {
    await crsB().create(NS_B, 'Restore', 'wrong-source', {
      repository: 'shared',
      backupId: ids.a,
      sourceCluster: clusters.b,
    });
    const wrong = await crsB().finished(NS_B, 'Restore', 'wrong-source');
    expect(wrong.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'SourceClusterMismatch',
    });
    await crsB().create(NS_B, 'Restore', 'elsewhere', {
      repository: 'shared',
      backupId: ids.a,
      namespaceMapping: { [NS_A]: NS_B_OWN },
    });
    const elsewhere = await crsB().finished(NS_B, 'Restore', 'elsewhere');
    expect(elsewhere.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'CrossNamespaceRefused',
    });
    // Nothing was written into cluster B's server.
    expect(
      await pgQuery(pgB ?? pgA, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${DB}'`),
    ).toEqual([]);
  }, 120_000);

  it("a Restore CR in cluster B restores cluster A's backup into the mapped namespace and storage class", async () => {
    if (!pgB) throw new Error('postgres B did not start');
    await crsB().create(NS_B, 'Restore', 'from-a', {
      repository: 'shared',
      backupId: ids.a,
      sourceCluster: clusters.a,
      namespaceMapping: { [NS_A]: NS_B },
      storageClassMapping: { 'fast-a': 'standard-b' },
    });
    const cr = await crsB().finished(NS_B, 'Restore', 'from-a');
    expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
    expect(cr.status?.verified).toBe(true);
    expect(cr.status?.restored).toEqual([{ member: 'orders-db', databases: [DB] }]);
    expect(cr.status?.message).toContain(`taken in cluster ${clusters.a}`);
    expect(cr.status?.message).toContain('data-orders-db-0: fast-a → standard-b');

    // Same rows in cluster B's server as in cluster A's.
    const digest = `SELECT count(*)::int AS n, sum(total)::text AS s, md5(string_agg(id || item, ',' ORDER BY id)) AS h FROM orders`;
    const [inA] = await pgQuery(pgA, DB, digest);
    const [inB] = await pgQuery(pgB, DB, digest);
    expect(inA).toMatchObject({ n: 2000 });
    expect(inB).toEqual(inA);
  }, 300_000);
});
