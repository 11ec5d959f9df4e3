/**
 * The chart's controller permissions are enough: the real controller, authenticated as the
 * chart's ServiceAccount (impersonation, so RBAC applies exactly as in a cluster), takes its
 * Lease in the release namespace, syncs, and runs a Backup CR of the real test PostgreSQL
 * to Succeeded with status and Events — without a single "forbidden" in its logs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type ControllerHandle } from '../../../engine/controller/controller.ts';
import type { Logger } from '../../../engine/controller/index.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { Fixture } from '../controller/_fixture.ts';
import { renderChart } from './_helm.ts';
import { RawKube, impersonatingKubeConfig, statusMessage } from './_raw.ts';

const suffix = randomBytes(3).toString('hex');
const SYSTEM = `lb-chartctl-sys-${suffix}`;
const RELEASE = `ctl${suffix}`;
const SERVICE_ACCOUNT = `system:serviceaccount:${SYSTEM}:${RELEASE}-lifeboat`;

describe("controller with only the chart's RBAC", () => {
  let fx: Fixture;
  let admin: RawKube;
  let controller: ControllerHandle | undefined;
  let work = '';
  const logs: string[] = [];
  const logger: Logger = {
    debug: (m, f) => logs.push(`debug ${m} ${JSON.stringify(f ?? {})}`),
    info: (m, f) => logs.push(`info ${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => logs.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => logs.push(`error ${m} ${JSON.stringify(f ?? {})}`),
  };

  beforeAll(async () => {
    const [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-chart-controller-'));
    fx = new Fixture(kube.kubeconfig, postgres, 'lb-chartctl', join(work, 'repo'));
    await fx.setUp();
    admin = new RawKube(kube.kubeconfig);
    const ns = await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM } });
    expect(ns.status, statusMessage(ns)).toBe(201);
    for (const object of await renderChart(RELEASE, SYSTEM)) {
      if (
        !['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(object.kind)
      )
        continue;
      const res = await admin.apply(object);
      expect(res.status, `${object.kind}/${object.metadata.name}: ${statusMessage(res)}`).toBeLessThan(300);
    }
    controller = await startController({
      kubeConfig: impersonatingKubeConfig(fx.kc, SERVICE_ACCOUNT),
      // Only the test's namespace: other test files run their own controllers on this server.
      namespaces: [fx.namespace],
      identity: 'chart-rbac-controller',
      leaderElection: { namespace: SYSTEM, leaseName: 'lifeboat-controller', retryPeriodMs: 500 },
      logger,
      progressIntervalMs: 200,
    });
    await controller.synced;
  }, 300_000);

  afterAll(async () => {
    await controller?.stop();
    await fx.tearDown();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('leads through a Lease in the release namespace and runs a Backup to Succeeded', async () => {
    await fx.create('Backup', 'as-chart-sa', { repository: 'repo', application: 'shop' });
    const cr = await fx.finished('Backup', 'as-chart-sa');
    expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
    expect(cr.status?.runner?.identity).toBe('chart-rbac-controller');
    expect(controller?.isLeader()).toBe(true);
    const lease = await admin.get('coordination.k8s.io/v1', 'Lease', 'lifeboat-controller', SYSTEM);
    expect((lease.body as { spec?: { holderIdentity?: string } }).spec?.holderIdentity).toBe(
      'chart-rbac-controller',
    );
    expect(await fx.eventReasons('Backup', 'as-chart-sa', 'BackupSucceeded')).toContain('BackupSucceeded');
    // The cluster identity came from kube-system's UID (namespaces: get), not the fallback.
    expect(String(cr.status?.cluster)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never hit a permission it lacks', () => {
    expect(
      logs.filter((l) => /forbidden|cannot (get|list|watch|create|update|patch|delete)/i.test(l)),
    ).toEqual([]);
  });
});
