/**
 * Benchmark: `lifeboat discover -A` on a large cluster. A private kube-apiserver + etcd;
 * KUBE_NAMESPACES namespaces (default 500) holding KUBE_WORKLOADS PostgreSQL StatefulSets
 * (default 5000) in total, each with its Service and password Secret. Discovery runs in a
 * fresh child process (bench/kube-child.ts) so its RSS is its own; it lists every kind
 * with paginated cluster-wide calls. Measured twice: reading each referenced Secret once
 * (printed), and as `lifeboat discover -A` runs by default, without Secrets (the last line).
 * Then the controller's initial sync (bench/kube-controller.ts): CRDs installed, a fresh
 * file repository with a Repository CR and a BackupPolicy (selecting the namespace's
 * application) in every KUBE_POLICY_EVERY-th namespace, then `lifeboat controller
 * --all-namespaces` in a child process until its caches synced (/readyz) and its first
 * reconcile pass finished (sync_s). rss_mib is the larger of the discover and controller
 * processes' peak RSS (both printed on the line before).
 * Last line: kube objects=<n> discover_s=<s> sync_s=<s> rss_mib=<n>
 * Env: KUBE_NAMESPACES, KUBE_WORKLOADS, KUBE_CREATE_CONCURRENCY (default 16), KUBE_POLICY_EVERY (5).
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../engine/kube/api/v1alpha1/index.ts';
import { benchNodeFlags } from './_node-flags.ts';
import { controllerInitialSync } from './kube-controller.ts';
import { startKube } from '../testcontainers/index.ts';
import { applyCrds } from '../test/integration/kube/_crds.ts';

const NAMESPACES = Number(process.env.KUBE_NAMESPACES ?? 500);
const WORKLOADS = Number(process.env.KUBE_WORKLOADS ?? 5000);
const CONCURRENCY = Number(process.env.KUBE_CREATE_CONCURRENCY ?? 16);
const POLICY_EVERY = Number(process.env.KUBE_POLICY_EVERY ?? 5);

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

async function main(): Promise<void> {
  const kube = await startKube({ name: 'bench-kube' });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    const t0 = performance.now();
    await mapLimit(namespaces, CONCURRENCY, async (name) => {
      await core.createNamespace({ body: { metadata: { name } } });
    });
    const items = Array.from({ length: WORKLOADS }, (_, i) => ({
      namespace: namespaces[i % NAMESPACES] ?? 'default',
      name: `db-${i}`,
    }));
    await mapLimit(items, CONCURRENCY, async ({ namespace, name }) => {
      const labels = { 'app.kubernetes.io/name': name };
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name }, stringData: { password: `pw-${name}` } },
      });
      await core.createNamespacedService({
        namespace,
        body: { metadata: { name }, spec: { clusterIP: 'None', selector: labels, ports: [{ port: 5432 }] } },
      });
      await apps.createNamespacedStatefulSet({
        namespace,
        body: {
          metadata: { name, labels: { 'app.kubernetes.io/part-of': `app-${namespace}` } },
          spec: {
            serviceName: name,
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  {
                    name: 'db',
                    image: 'postgres:16',
                    ports: [{ containerPort: 5432 }],
                    env: [
                      { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name, key: 'password' } } },
                    ],
                  },
                ],
              },
            },
          },
        },
      });
    });
    const objects = NAMESPACES + 3 * WORKLOADS;
    process.stdout.write(`created ${objects} objects in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const child = resolve(import.meta.dirname, 'kube-child.ts');
    const runChild = async (extra: string[]) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [...benchNodeFlags(), child, kube.kubeconfig, ...extra],
        {
          maxBuffer: 1 << 20,
        },
      );
      return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
        seconds: number;
        rssMiB: number;
        requests: number;
        workloads: number;
        applications: number;
        skipped: number;
      };
    };
    // With every referenced Secret read (what a backup of everything needs, and
    // `discover --check-credentials`), then as `lifeboat discover -A` runs: lists only.
    const withSecrets = await runChild([]);
    process.stdout.write(
      `discover -A reading all ${WORKLOADS} Secrets: ${withSecrets.seconds.toFixed(2)} s, ` +
        `${withSecrets.requests} requests, rss ${Math.round(withSecrets.rssMiB)} MiB\n`,
    );
    const r = await runChild(['--no-secrets']);
    if (r.workloads !== WORKLOADS)
      throw new Error(`discover found ${r.workloads} workloads, expected ${WORKLOADS}`);
    process.stdout.write(
      `discover -A: ${r.workloads} workloads in ${r.applications} applications, ${r.requests} API requests ` +
        `(paginated lists), rss ${Math.round(r.rssMiB)} MiB\n`,
    );
    // The controller: CRDs, one fresh repository, a Repository CR and a BackupPolicy per
    // KUBE_POLICY_EVERY-th namespace (not due during the run: schedules count from creation).
    await applyCrds(kube.kubeconfig);
    const repoDir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-kube-repo-'));
    const custom = kc.makeApiClient(CustomObjectsApi);
    const policyNamespaces = namespaces.filter((_, i) => i % POLICY_EVERY === 0);
    await mapLimit(policyNamespaces, CONCURRENCY, async (namespace) => {
      const cr = (plural: string, kind: string, name: string, spec: object) =>
        custom.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural,
          body: { apiVersion: API_VERSION, kind, metadata: { name }, spec },
        });
      await cr('repositories', 'Repository', 'repo', { url: `file://${repoDir}` });
      await cr('backuppolicies', 'BackupPolicy', 'nightly', {
        repository: 'repo',
        schedule: '0 3 * * *',
        selector: { matchLabels: { 'app.kubernetes.io/part-of': `app-${namespace}` } },
        retention: { keepDaily: 7 },
      });
    });
    let sync;
    try {
      sync = await controllerInitialSync(kube.kubeconfig);
    } finally {
      await rm(repoDir, { recursive: true, force: true });
    }
    if (sync.cached < NAMESPACES + WORKLOADS)
      throw new Error(`controller cached ${sync.cached} objects, expected ${NAMESPACES + WORKLOADS}+`);
    process.stdout.write(
      `controller (lifeboat controller -A, ${policyNamespaces.length} BackupPolicies): ${sync.cached} objects cached, ` +
        `ready (/readyz) after ${sync.readySeconds.toFixed(2)} s, first reconcile pass (${sync.keys} keys) ` +
        `after ${sync.firstPassSeconds.toFixed(2)} s\n`,
    );
    process.stdout.write(
      `rss: discover -A ${Math.round(r.rssMiB)} MiB, controller ${Math.round(sync.rssMiB)} MiB (peak of each process)\n`,
    );
    process.stdout.write(
      `kube objects=${objects} discover_s=${r.seconds.toFixed(2)} sync_s=${sync.firstPassSeconds.toFixed(2)} rss_mib=${Math.round(Math.max(r.rssMiB, sync.rssMiB))}\n`,
    );
  } finally {
    await kube.stop();
  }
}

await main();
