/**
 * The dashboard in cluster mode against a real kube-apiserver (RBAC on), acting with the
 * caller's own bearer token (ServiceAccount tokens from the TokenRequest API):
 * - a viewer bound in team-a (the chart's `lifeboat-viewer` plus read access to workloads)
 *   sees team-a's applications (protected by annotation / unprotected), backups, drills,
 *   repositories, blueprints and live progress, and gets the API server's 403 for team-b
 *   and for a cluster-wide listing;
 * - actions are custom resources created with the caller's identity: the viewer's
 *   "back up now" is refused with 403, the operator's (`lifeboat-operator`) creates a
 *   Backup naming the policy's repository, and a restore to a new namespace;
 * - no token is a 401.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../../engine/kube/index.ts';
import { API_VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { builtinBlueprintsDir } from '../../../engine/blueprint/index.ts';
import {
  ClusterSource,
  createDashboardServer,
  type ApplicationDetail,
  type ApplicationSummary,
  type BlueprintView,
  type DashboardServer,
  type RepositoryView,
  type RunningAction,
} from '../../../engine/dashboard/index.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { connect, createService, createStatefulSet, type Cluster } from './_cluster.ts';
import { applyCrds } from './_crds.ts';
import { renderChart } from './_helm.ts';
import { RawKube, statusMessage, type KubeObject } from './_raw.ts';

const suffix = randomBytes(3).toString('hex');
const TEAM_A = `dash-a-${suffix}`;
const TEAM_B = `dash-b-${suffix}`;
const GROUP_PATH = '/apis/lifeboat.dev/v1alpha1/namespaces';
const PART_OF = 'app.kubernetes.io/part-of';
const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium';
const CLI = resolve(import.meta.dirname, '../../../engine/cli/main.ts');

const cr = (kind: string, namespace: string, name: string, spec: unknown): KubeObject => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name, namespace },
  spec,
});

describe('dashboard in cluster mode, with the caller’s identity', () => {
  let admin: RawKube;
  let cluster: Cluster;
  let server: DashboardServer;
  let base: string;
  let viewerToken: string;
  let operatorToken: string;
  let kubeconfig: string;

  async function mustCreate(object: KubeObject): Promise<void> {
    const res = await admin.apply(object);
    expect(res.status, `${object.kind}/${object.metadata.name}: ${statusMessage(res)}`).toBeLessThan(300);
  }
  async function setStatus(namespace: string, plural: string, name: string, status: object): Promise<void> {
    const res = await admin.request('PATCH', `${GROUP_PATH}/${namespace}/${plural}/${name}/status`, {
      status,
    });
    expect(res.status, statusMessage(res)).toBe(200);
  }
  /** A ServiceAccount bound to `clusterRoles` (plus workload reads) in `namespace`, and a token for it. */
  async function userWith(namespace: string, name: string, clusterRoles: readonly string[]): Promise<string> {
    await mustCreate({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
    for (const role of [...clusterRoles, `dashboard-workload-reader-${suffix}`])
      await mustCreate({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${role}-${name}`, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      });
    const res = await admin.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    expect(res.status, statusMessage(res)).toBe(201);
    return (res.body as { status: { token: string } }).status.token;
  }
  const call = async (path: string, token: string | undefined, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    const kube = await useServer('kube');
    kubeconfig = kube.kubeconfig;
    await applyCrds(kube.kubeconfig);
    admin = new RawKube(kube.kubeconfig);
    cluster = connect(kube.kubeconfig);
    for (const name of [TEAM_A, TEAM_B])
      await mustCreate({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // The chart's team roles as rendered, plus what Kubernetes' `view` role gives on a real
    // cluster (this API server runs no controller-manager to aggregate it).
    for (const object of await renderChart(`dash${suffix}`, TEAM_A))
      if (
        object.kind === 'ClusterRole' &&
        ['lifeboat-viewer', 'lifeboat-operator'].includes(object.metadata.name)
      )
        await mustCreate(object);
    await mustCreate({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `dashboard-workload-reader-${suffix}` },
      rules: [
        { apiGroups: ['apps'], resources: ['statefulsets', 'deployments'], verbs: ['get', 'list'] },
        {
          apiGroups: [''],
          resources: ['services', 'pods', 'endpoints', 'persistentvolumeclaims'],
          verbs: ['get', 'list'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list'] },
      ],
    });

    for (const ns of [TEAM_A, TEAM_B]) {
      await createStatefulSet(cluster, ns, {
        name: 'orders-db',
        image: 'postgres:16',
        port: 5432,
        labels: { [PART_OF]: 'shop' },
        ...(ns === TEAM_A && { annotations: { 'lifeboat.dev/protect': 'nightly' } }),
      });
      await createService(cluster, ns, 'orders-db', 'orders-db', 5432);
      await mustCreate(
        cr('Repository', ns, 'offsite', {
          url: `s3://backups/${ns}`,
          objectLock: { mode: 'compliance', retainDays: 30 },
        }),
      );
    }
    // An application nobody protects.
    await createStatefulSet(cluster, TEAM_A, { name: 'analytics-db', image: 'mariadb:11', port: 3306 });
    await createService(cluster, TEAM_A, 'analytics-db', 'analytics-db', 3306);
    await mustCreate(cr('BackupPolicy', TEAM_A, 'nightly', { repository: 'offsite', schedule: '0 2 * * *' }));

    await mustCreate(
      cr('Backup', TEAM_A, 'shop-1', { repository: 'offsite', application: 'shop', policy: 'nightly' }),
    );
    await setStatus(TEAM_A, 'backups', 'shop-1', {
      phase: 'Succeeded',
      backupId: '20261125T020000Z-aaaa1111',
      startedAt: '2026-11-25T02:00:00Z',
      completedAt: '2026-11-25T02:01:30Z',
      bytes: 300_000_000,
      storedBytes: 100_000_000,
      freezeWindowMs: 42,
      members: [{ name: 'orders-db', engine: 'postgres', strategy: 'logical', guarantee: 'snapshot' }],
    });
    await mustCreate(cr('Backup', TEAM_A, 'shop-2', { repository: 'offsite', application: 'shop' }));
    await setStatus(TEAM_A, 'backups', 'shop-2', {
      phase: 'Running',
      startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      progress: {
        bytes: 1_000_000,
        bytesPerSecond: 500_000,
        etaSeconds: 8,
        updatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    });
    await mustCreate(
      cr('Drill', TEAM_A, 'shop-drill-1', {
        repository: 'offsite',
        application: 'shop',
        backupId: '20261125T020000Z-aaaa1111',
      }),
    );
    await setStatus(TEAM_A, 'drills', 'shop-drill-1', {
      phase: 'Succeeded',
      result: 'Passed',
      recoverySeconds: 12.5,
      differences: 0,
      startedAt: '2026-11-25T03:00:00Z',
      completedAt: '2026-11-25T03:00:20Z',
    });
    // An earlier drill that found differences: the status lists the tables (the API server keeps them).
    await mustCreate(
      cr('Drill', TEAM_A, 'shop-drill-0', {
        repository: 'offsite',
        application: 'shop',
        backupId: '20261125T020000Z-aaaa1111',
      }),
    );
    await setStatus(TEAM_A, 'drills', 'shop-drill-0', {
      phase: 'Failed',
      result: 'Failed',
      recoverySeconds: 11,
      differences: 2,
      tables: [
        {
          member: 'orders-db',
          database: 'orders',
          table: 'public.stock',
          expectedRows: 8000,
          actualRows: 7999,
          problem: 'rowCount',
        },
        {
          member: 'orders-db',
          database: 'orders',
          table: 'public.audit',
          expectedRows: 3,
          problem: 'missing',
        },
      ],
      startedAt: '2026-11-24T03:00:00Z',
      completedAt: '2026-11-24T03:00:20Z',
    });
    await mustCreate(cr('Backup', TEAM_B, 'b-secret', { repository: 'offsite', application: 'shop' }));
    const postgres = parse(
      await readFile(join(builtinBlueprintsDir(), 'postgres.yaml'), 'utf8'),
    ) as KubeObject;
    await mustCreate({ ...postgres, metadata: { name: 'team-postgres', namespace: TEAM_A } });

    viewerToken = await userWith(TEAM_A, 'victor', ['lifeboat-viewer']);
    operatorToken = await userWith(TEAM_A, 'olga', ['lifeboat-operator']);

    server = createDashboardServer({
      source: new ClusterSource({ kubeConfig: loadKubeConfig(kube.kubeconfig) }),
      pollIntervalMs: 200,
    });
    base = `http://127.0.0.1:${(await server.listen(0)).port}`;
  });
  afterAll(async () => {
    await (server as DashboardServer | undefined)?.close();
    for (const ns of [TEAM_A, TEAM_B])
      await admin.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  });

  it('asks for a token (401) instead of using its own rights', async () => {
    const res = await call(`/api/applications?namespace=${TEAM_A}`, undefined);
    expect(res.status).toBe(401);
    const info = await call('/api/info', undefined);
    expect(info.body).toMatchObject({ mode: 'cluster', actions: true, needsToken: true });
  });

  it("shows a team-a viewer team-a's applications: protected by annotation, and unprotected", async () => {
    const res = await call(`/api/applications?namespace=${TEAM_A}`, viewerToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const apps = res.body as ApplicationSummary[];
    expect(apps.map((a) => [a.namespace, a.name, a.status, a.policy])).toEqual([
      [TEAM_A, 'analytics-db', 'unprotected', null],
      [TEAM_A, 'shop', 'protected', 'nightly'],
    ]);
    const shop = apps.find((a) => a.name === 'shop');
    expect(shop?.reason).toMatch(/annotated for policy nightly/);
    expect(shop?.lastBackup).toMatchObject({ id: 'shop-2', phase: 'Running' });
    expect(shop?.lastDrill).toMatchObject({ passed: true, recoverySeconds: 12.5 });
    expect(shop?.rpo.policySeconds).toBe(86_400);
    expect(shop?.rpo.actualSeconds).toBeGreaterThan(0);
    expect(shop?.repository).toBe('offsite');
  });

  it('refuses team-b and a cluster-wide listing with the API server’s 403', async () => {
    const other = await call(`/api/applications?namespace=${TEAM_B}`, viewerToken);
    expect(other.status).toBe(403);
    expect((other.body as { error: string }).error).toMatch(/forbidden/i);
    expect(JSON.stringify(other.body)).not.toContain('b-secret');
    expect((await call('/api/applications', viewerToken)).status).toBe(403);
    expect((await call(`/api/applications/${TEAM_B}/shop`, viewerToken)).status).toBe(403);
    expect((await call(`/api/repositories?namespace=${TEAM_B}`, viewerToken)).status).toBe(403);
  });

  it('shows one application: members with strategy and guarantee, backups timeline, drills', async () => {
    const res = await call(`/api/applications/${TEAM_A}/shop`, viewerToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const app = res.body as ApplicationDetail;
    expect(app.memberDetails).toEqual([
      { name: 'orders-db', engine: 'postgres', strategy: 'logical', guarantee: 'snapshot', databases: [] },
    ]);
    expect(app.backups.map((b) => [b.id, b.phase, b.durationSeconds, b.freezeWindowMs])).toEqual([
      ['20261125T020000Z-aaaa1111', 'Succeeded', 90, 42],
      ['shop-2', 'Running', null, null],
    ]);
    expect(app.drills).toEqual([
      expect.objectContaining({
        id: 'shop-drill-0',
        passed: false,
        differenceCount: 2,
        differences: [
          {
            member: 'orders-db',
            table: 'orders.public.stock',
            expected: { rows: 8000 },
            actual: { rows: 7999 },
          },
          { member: 'orders-db', table: 'orders.public.audit', expected: { rows: 3 }, actual: null },
        ],
      }),
      expect.objectContaining({
        id: 'shop-drill-1',
        passed: true,
        recoverySeconds: 12.5,
        differenceCount: 0,
      }),
    ]);
  });

  it('lists repositories (stored vs logical, immutability) and blueprints linted', async () => {
    const repos = (await call(`/api/repositories?namespace=${TEAM_A}`, viewerToken)).body as RepositoryView[];
    expect(repos).toEqual([
      expect.objectContaining({
        namespace: TEAM_A,
        name: 'offsite',
        url: `s3://backups/${TEAM_A}`,
        logicalBytes: 300_000_000,
        storedBytes: 100_000_000,
        dedupRatio: 3,
        immutability: { mode: 'compliance', days: 30 },
        encrypted: false,
      }),
    ]);
    const blueprints = (await call(`/api/blueprints?namespace=${TEAM_A}`, viewerToken))
      .body as BlueprintView[];
    expect(blueprints.map((b) => [b.name, b.engine, b.lint])).toEqual([['team-postgres', 'postgres', []]]);
  });

  it('streams running actions with live progress (Server-Sent Events)', async () => {
    const abort = new AbortController();
    const res = await fetch(`${base}/api/events?namespace=${TEAM_A}`, {
      headers: { authorization: `Bearer ${viewerToken}` },
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    const events: RunningAction[][] = [];
    let buffer = '';
    const next = async (): Promise<RunningAction[]> => {
      for (;;) {
        const match = /event: actions\ndata: (.*)\n\n/.exec(buffer);
        if (match?.[1]) {
          buffer = buffer.slice(match.index + match[0].length);
          return JSON.parse(match[1]) as RunningAction[];
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('event stream ended');
        buffer += value;
      }
    };
    try {
      events.push(await next());
      expect(events[0]?.map((a) => [a.kind, a.name, a.progress?.bytes])).toEqual([
        ['Backup', 'shop-2', 1_000_000],
      ]);
      await setStatus(TEAM_A, 'backups', 'shop-2', {
        progress: {
          bytes: 3_000_000,
          bytesPerSecond: 500_000,
          etaSeconds: 4,
          updatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      });
      events.push(await next());
      expect(events[1]?.[0]?.progress).toMatchObject({ bytes: 3_000_000, etaSeconds: 4 });
    } finally {
      abort.abort();
    }
  });

  it('lets RBAC decide actions: the viewer gets 403, the operator creates the Backup and a Restore', async () => {
    const refused = await call(`/api/applications/${TEAM_A}/shop/backups`, viewerToken, {
      method: 'POST',
      body: '{}',
    });
    expect(refused.status).toBe(403);
    expect((refused.body as { error: string }).error).toMatch(/cannot create resource "backups"/);

    const created = await call(`/api/applications/${TEAM_A}/shop/backups`, operatorToken, {
      method: 'POST',
      body: '{}',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { name } = created.body as { name: string };
    expect(name).toMatch(/^shop-manual-/);
    const stored = await admin.request('GET', `${GROUP_PATH}/${TEAM_A}/backups/${name}`);
    expect((stored.body as { spec: unknown }).spec).toEqual({
      repository: 'offsite',
      application: 'shop',
      policy: 'nightly',
    });

    const restore = await call(`/api/applications/${TEAM_A}/shop/restores`, operatorToken, {
      method: 'POST',
      body: JSON.stringify({ backupId: '20261125T020000Z-aaaa1111', targetNamespace: `${TEAM_A}-copy` }),
    });
    expect(restore.status, JSON.stringify(restore.body)).toBe(201);
    const restoreName = (restore.body as { name: string }).name;
    const storedRestore = await admin.request('GET', `${GROUP_PATH}/${TEAM_A}/restores/${restoreName}`);
    expect((storedRestore.body as { spec: unknown }).spec).toEqual({
      repository: 'offsite',
      backupId: '20261125T020000Z-aaaa1111',
      targetNamespace: `${TEAM_A}-copy`,
    });

    // The operator's rights end at team-a too.
    const elsewhere = await call(`/api/applications/${TEAM_B}/shop/drills`, operatorToken, {
      method: 'POST',
      body: '{}',
    });
    expect(elsewhere.status).toBe(403);
  });

  it('in Chromium: signs in with a token, shows team-a, shows the API server’s 403 for a refused action', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium"`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const signIn = async (page: Page, token: string) => {
        await page.goto(`${base}/`);
        await page.getByLabel('Kubernetes token').fill(token);
        await page.getByLabel('Namespace', { exact: true }).fill(TEAM_A);
        await page.getByLabel('Namespace', { exact: true }).press('Enter');
      };
      const viewer = await browser.newPage();
      await signIn(viewer, viewerToken);
      await viewer.getByRole('link', { name: 'shop', exact: true }).click();
      await viewer.getByRole('heading', { level: 1, name: 'shop' }).waitFor();
      // The failed drill's tables, from its status, rendered as repository mode renders a report's.
      const drills = viewer.locator('section[aria-labelledby="drills-h"]');
      expect(await drills.textContent()).toContain('orders-db: orders.public.stock');
      expect(await drills.textContent()).toMatch(/expected 8000 rows, got 7999 rows/);
      expect(await drills.textContent()).toMatch(/expected 3 rows, got absent/);
      await viewer.getByRole('button', { name: 'Back up now' }).click();
      const alert = viewer.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/Forbidden \(403\).*cannot create resource "backups"/);
      await viewer.goto(`${base}/#/actions`);
      await viewer.getByRole('row', { name: /Backup .*shop-2/ }).waitFor();

      const operator = await browser.newPage();
      await signIn(operator, operatorToken);
      await operator.getByRole('link', { name: 'shop', exact: true }).click();
      await operator.getByRole('button', { name: 'Run a drill' }).click();
      const done = operator.getByText(/^Created Drill /);
      await done.waitFor();
      const name = /Created Drill \S+\/(\S+)\./.exec((await done.textContent()) ?? '')?.[1] ?? '';
      const drill = await admin.request('GET', `${GROUP_PATH}/${TEAM_A}/drills/${name}`);
      expect(drill.status).toBe(200);
      expect((drill.body as { spec: unknown }).spec).toEqual({
        repository: 'offsite',
        application: 'shop',
        backupId: '20261125T020000Z-aaaa1111',
      });
    } finally {
      await browser.close();
    }
  });

  it('is what `lifeboat dashboard --cluster` serves, with the same identity rules', async () => {
    const child = execa(
      process.execPath,
      [CLI, 'dashboard', '--cluster', '--kubeconfig', kubeconfig, '--port', '0'],
      {
        reject: false,
      },
    );
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /on (http:\/\/\S+\/)/.exec(out);
          if (match?.[1]) resolveUrl(match[1]);
        });
        void child.then((r) => {
          reject(new Error(`lifeboat dashboard exited ${r.exitCode}: ${r.stderr}`));
        });
      });
      // The kubeconfig's admin identity is not used: no token, no data.
      expect((await fetch(`${url}api/applications?namespace=${TEAM_A}`)).status).toBe(401);
      const headers = { authorization: `Bearer ${viewerToken}` };
      const mine = await fetch(`${url}api/applications?namespace=${TEAM_A}`, { headers });
      expect(((await mine.json()) as ApplicationSummary[]).map((a) => a.name)).toEqual([
        'analytics-db',
        'shop',
      ]);
      expect((await fetch(`${url}api/applications?namespace=${TEAM_B}`, { headers })).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
      expect((await child).exitCode).toBe(0);
    }
  });
});
