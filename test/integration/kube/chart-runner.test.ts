/**
 * The chart's runner role is enough for Job mode: `runActionOnce` (what `lifeboat
 * run-action` runs inside an action Job), authenticated as the `lifeboat-runner`
 * ServiceAccount the chart creates in a `jobs.namespaces` entry, runs a Backup of the real
 * test PostgreSQL to Succeeded with no permission refused; the same account reads nothing
 * in another namespace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../engine/controller/index.ts';
import { runActionOnce } from '../../../engine/controller/jobs/run-action.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { Fixture } from '../controller/_fixture.ts';
import { renderChart } from './_helm.ts';
import { RawKube, impersonatingKubeConfig, statusMessage } from './_raw.ts';

const suffix = randomBytes(3).toString('hex');
const SYSTEM = `lb-runner-sys-${suffix}`;
const OTHER = `lb-runner-other-${suffix}`;
const RELEASE = `run${suffix}`;

describe("action Jobs with only the chart's runner role", () => {
  let fx: Fixture;
  let admin: RawKube;
  let work = '';
  let runner = '';
  const logs: string[] = [];
  const logger: Logger = {
    debug: (m, f) => logs.push(`debug ${m} ${JSON.stringify(f ?? {})}`),
    info: (m, f) => logs.push(`info ${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => logs.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => logs.push(`error ${m} ${JSON.stringify(f ?? {})}`),
  };

  beforeAll(async () => {
    const [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-chart-runner-'));
    fx = new Fixture(kube.kubeconfig, postgres, 'lb-runner', join(work, 'repo'));
    await fx.setUp();
    runner = `system:serviceaccount:${fx.namespace}:lifeboat-runner`;
    admin = new RawKube(kube.kubeconfig);
    for (const name of [SYSTEM, OTHER]) {
      const ns = await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      expect(ns.status, statusMessage(ns)).toBe(201);
    }
    const secret = await admin.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'elsewhere', namespace: OTHER },
      stringData: { password: 'x' },
    });
    expect(secret.status, statusMessage(secret)).toBe(201);
    const objects = await renderChart(RELEASE, SYSTEM, { set: [`jobs.namespaces={${fx.namespace}}`] });
    for (const object of objects) {
      if (!['ServiceAccount', 'ClusterRole', 'RoleBinding'].includes(object.kind)) continue;
      const res = await admin.apply(object);
      expect(res.status, `${object.kind}/${object.metadata.name}: ${statusMessage(res)}`).toBeLessThan(300);
    }
  }, 300_000);

  afterAll(async () => {
    await fx.tearDown();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs a Backup to Succeeded as the runner ServiceAccount', async () => {
    await fx.create('Backup', 'in-a-job', { repository: 'repo', application: 'shop' });
    const result = await runActionOnce({
      kubeConfig: impersonatingKubeConfig(fx.kc, runner),
      kind: 'Backup',
      namespace: fx.namespace,
      name: 'in-a-job',
      clusterName: 'runner-test',
      identity: 'job/in-a-job',
      logger,
    });
    expect(result, JSON.stringify(logs.slice(-5))).toMatchObject({ phase: 'Succeeded' });
    const cr = await fx.get('Backup', 'in-a-job');
    expect(cr.status?.phase).toBe('Succeeded');
    expect(cr.status?.runner?.identity).toBe('job/in-a-job');
    expect(await fx.eventReasons('Backup', 'in-a-job', 'BackupSucceeded')).toContain('BackupSucceeded');
    expect(
      logs.filter((l) => /forbidden|cannot (get|list|watch|create|update|patch|delete)/i.test(l)),
    ).toEqual([]);
  });

  it('reaches nothing outside its namespace and writes no spec', async () => {
    const as = admin.impersonate(runner);
    expect((await as.request('GET', `/api/v1/namespaces/${OTHER}/secrets/elsewhere`)).status).toBe(403);
    expect((await as.request('GET', `/apis/lifeboat.dev/v1alpha1/namespaces/${OTHER}/backups`)).status).toBe(
      403,
    );
    expect((await as.request('GET', `/api/v1/namespaces/${fx.namespace}/secrets`)).status).toBe(403);
    const retarget = await as.request(
      'PATCH',
      `/apis/lifeboat.dev/v1alpha1/namespaces/${fx.namespace}/repositories/repo`,
      { spec: { url: 'file:///elsewhere' } },
    );
    expect(retarget.status).toBe(403);
  });
});
