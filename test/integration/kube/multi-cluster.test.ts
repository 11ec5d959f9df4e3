/**
 * Two clusters, one repository. Two real API servers (A: the shared test server, B: a
 * private one), both pointing at the same S3 bucket prefix. Cluster A backs up a
 * discovered PostgreSQL workload (wired to the real test PostgreSQL through an
 * EndpointSlice), cluster B backs up one of its own; the manifests carry each cluster's
 * identity (its kube-system UID), `lifeboat list --cluster` filters by it, and cluster A's
 * backup is restored in cluster B into a mapped namespace (namespace and storage-class
 * mapping) whose workload is a second, separate PostgreSQL server. Data is compared.
 *
 * The restore runs through the engine (discovery in B → restore mapping → runRestore);
 * the Restore CR path runs the same mapping module inside the controller.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { StorageV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKubeClient,
  discover,
  loadKubeConfig,
  toApplication,
  type DiscoveredApplication,
} from '../../../engine/kube/index.ts';
import { kubeSystemUidReader, resolveClusterIdentity } from '../../../engine/kube/cluster-identity.ts';
import { listStorageClassNames, readPvcStorageClasses } from '../../../engine/kube/storage-classes.ts';
import { openStore, Repository } from '../../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runRestore } from '../../../engine/runs/index.ts';
import { mapRestoreTargets, restoreRequestFor } from '../../../engine/runs/restore-mapping.ts';
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
import {
  connect,
  createEndpointSlice,
  createNamespace,
  createSecret,
  createService,
  createStatefulSet,
  type Cluster,
} from './_cluster.ts';

const CLI = resolve(import.meta.dirname, '../../../engine/cli/main.ts');
const suffix = randomBytes(3).toString('hex');
const NS_A = `shop-a-${suffix}`;
const NS_B = `shop-b-${suffix}`;
const NS_B_OWN = `inventory-b-${suffix}`;
const DB = `mc_orders_${suffix}`;
const DB_B = `mc_inventory_${suffix}`;
const PREFIX = `multi-cluster-${suffix}`;

/** A PostgreSQL StatefulSet whose selector-less Service reaches `server` on loopback. */
async function wirePostgres(
  c: Cluster,
  namespace: string,
  server: { port: number; user: string; password: string },
  database: string,
  storageClass: string,
): Promise<void> {
  await createNamespace(c, namespace);
  await createSecret(c, namespace, 'orders-auth', { username: server.user, password: server.password });
  await createStatefulSet(c, namespace, {
    name: 'orders-db',
    image: 'postgres:15',
    port: 5432,
    annotations: { 'lifeboat.dev/credentials': 'orders-auth', 'lifeboat.dev/databases': database },
    labels: { 'app.kubernetes.io/part-of': 'shop' },
    claimTemplates: ['data'],
  });
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
  await createService(c, namespace, 'orders-db', undefined, 5432);
  await createEndpointSlice(c, namespace, 'orders-db', '127.0.0.1', server.port, 'FQDN');
}

function onlyApp(result: { applications: readonly DiscoveredApplication[] }, namespace: string) {
  const app = result.applications.find((a) => a.namespace === namespace);
  if (!app) throw new Error(`no application discovered in ${namespace}`);
  return app;
}

describe('two clusters sharing one repository', () => {
  let kubeA: SharedServer<KubeServer>;
  let kubeB: KubeServer | undefined;
  let s3: SharedServer<S3Server>;
  let pgA: SharedServer<PostgresServer>;
  let pgB: PostgresServer | undefined;
  let repoUrl = '';
  const key = Buffer.from(randomBytes(32).toString('base64'));
  const clusters = { a: '', b: '' };
  const ids = { a: '', b: '' };

  const openRepo = async () =>
    Repository.open(
      await openStore(repoUrl, {
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      }),
      { key },
    );

  beforeAll(async () => {
    [kubeA, s3, pgA, kubeB, pgB] = await Promise.all([
      useServer('kube'),
      useServer('s3'),
      useServer('postgres'),
      startKube({ name: 'kube-b' }),
      startPostgres({ name: 'postgres-b' }),
    ]);
    repoUrl = `s3://${s3.bucket}/${PREFIX}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&pathStyle=true`;
    await Repository.init(
      await openStore(repoUrl, {
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      }),
      { key },
    );

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
  }, 300_000);

  afterAll(async () => {
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
  });

  it('backups from both clusters land in the one repository, each with its cluster', async () => {
    const setup = await loadEngineSetup();
    const run = { signal: new AbortController().signal, onEvent: () => undefined };
    const backupIn = async (kubeconfig: string, namespace: string, cluster: string) => {
      const client = createKubeClient({ kubeconfig });
      const app = onlyApp(await discover(client, { namespace }), namespace);
      const { manifest } = await runBackup(
        {
          application: toApplication(app),
          options: {},
          cluster,
          storageClasses: await readPvcStorageClasses(client, namespace),
        },
        setup,
        await openRepo(),
        run,
      );
      return manifest;
    };
    const fromA = await backupIn(kubeA.kubeconfig, NS_A, clusters.a);
    expect(fromA).toMatchObject({ cluster: clusters.a, namespace: NS_A, app: 'shop' });
    expect(fromA.members[0]?.kubernetes).toEqual({
      namespace: NS_A,
      kind: 'StatefulSet',
      name: 'orders-db',
      pvcs: [{ name: 'data-orders-db-0', storageClass: 'fast-a' }],
    });
    ids.a = fromA.backupId;
    const fromB = await backupIn(kubeB?.kubeconfig ?? '', NS_B_OWN, clusters.b);
    expect(fromB.cluster).toBe(clusters.b);
    ids.b = fromB.backupId;
  }, 300_000);

  it('lifeboat list shows where each backup came from and filters by --cluster', async () => {
    const cli = (args: string[]) =>
      execa(process.execPath, [CLI, 'list', '--repo', repoUrl, ...args], {
        env: {
          LIFEBOAT_REPO_KEY: key.toString('utf8'),
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
  }, 120_000);

  it("restores cluster A's backup in cluster B into the mapped namespace and storage class", async () => {
    if (!kubeB || !pgB) throw new Error('cluster B did not start');
    const repo = await openRepo();
    const manifest = await repo.readManifest(ids.a);
    const clientB = createKubeClient({ kubeconfig: kubeB.kubeconfig });
    const discovered = await discover(clientB, { namespace: NS_B });
    const workloadsB = discovered.applications.flatMap((a) => a.workloads.map((w) => w.workload));
    const available = await listStorageClassNames(loadKubeConfig(kubeB.kubeconfig));
    expect(available).toEqual(['standard-b']);

    // Without a storage-class mapping, cluster A's class does not exist in B: refused up front.
    const unmapped = mapRestoreTargets(
      manifest,
      { targetNamespace: NS_B, namespaceMapping: { [NS_A]: NS_B }, availableStorageClasses: available },
      workloadsB,
    );
    expect(unmapped.problems).toEqual([
      'member orders-db: PVC data-orders-db-0: storage class fast-a does not exist in the target cluster; map it with storageClassMapping',
    ]);

    const mapping = mapRestoreTargets(
      manifest,
      {
        targetNamespace: 'unused-default',
        namespaceMapping: { [NS_A]: NS_B },
        storageClassMapping: { 'fast-a': 'standard-b' },
        sourceCluster: clusters.a,
        availableStorageClasses: available,
      },
      workloadsB,
    );
    expect(mapping.problems).toEqual([]);
    expect(
      mapping.members.map((m) => [m.member, m.targetNamespace, m.matchedBy, m.workload.primary.port]),
    ).toEqual([['orders-db', NS_B, 'owner', pgB.port]]);
    expect(mapping.members[0]?.pvcs).toEqual([
      {
        source: 'data-orders-db-0',
        target: 'data-orders-db-0',
        sourceStorageClass: 'fast-a',
        storageClass: 'standard-b',
      },
    ]);

    const outcome = await runRestore(
      restoreRequestFor(manifest, mapping, { force: false, verify: true, parallelism: 2 }),
      await loadEngineSetup(),
      repo,
      { signal: new AbortController().signal, onEvent: () => undefined },
    );
    expect(outcome.restore.status).toBe('succeeded');
    expect(outcome.verify?.status).toBe('succeeded');

    // Same rows in cluster B's server as in cluster A's, which was never touched.
    const digest = `SELECT count(*)::int AS n, sum(total)::text AS s, md5(string_agg(id || item, ',' ORDER BY id)) AS h FROM orders`;
    const [inA] = await pgQuery(pgA, DB, digest);
    const [inB] = await pgQuery(pgB, DB, digest);
    expect(inA).toMatchObject({ n: 2000 });
    expect(inB).toEqual(inA);
    // The PVC of the target side stays what cluster B's StatefulSet declares.
    const pvc = await connect(kubeB.kubeconfig).core.readNamespacedPersistentVolumeClaim({
      namespace: NS_B,
      name: 'data-orders-db-0',
    });
    expect(pvc.spec?.storageClassName).toBe('standard-b');
  }, 300_000);
});
