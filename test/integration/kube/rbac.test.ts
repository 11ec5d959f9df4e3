/**
 * RBAC of the chart on a real API server (RBAC authorizer on), by impersonation:
 * - `lifeboat-operator` bound in team-a to alice: she backs up and restores team-a only,
 *   reads no Secret anywhere, cannot see team-b's Repository, cannot retarget backups
 *   (no Repository writes) or forge status; a reference into team-b is refused outright.
 * - `lifeboat-viewer` bound in team-a to victor: reads, never writes.
 * - the controller's ServiceAccount: what its ClusterRole and Lease Role allow, and no more.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { applyCrds } from './_crds.ts';
import { renderChart } from './_helm.ts';
import { RawKube, statusMessage, type KubeObject } from './_raw.ts';

const suffix = randomBytes(3).toString('hex');
const TEAM_A = `team-a-${suffix}`;
const TEAM_B = `team-b-${suffix}`;
const SYSTEM = `lb-rbac-${suffix}`;
const RELEASE = `rbac${suffix}`;
const CONTROLLER = `system:serviceaccount:${SYSTEM}:${RELEASE}-lifeboat`;
const ALICE = `alice-${suffix}`;
const VICTOR = `victor-${suffix}`;
const GROUP_PATH = `/apis/lifeboat.dev/v1alpha1/namespaces`;

const cr = (kind: string, namespace: string, name: string, spec: unknown): KubeObject => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name, namespace },
  spec,
});
const binding = (namespace: string, role: string, user: string): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: `${role}-${user}`, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
});

describe('Lifeboat RBAC by impersonation on a real API server', () => {
  let admin: RawKube;
  let alice: RawKube;
  let victor: RawKube;
  let controller: RawKube;

  async function mustCreate(kube: RawKube, object: KubeObject): Promise<void> {
    const res = await kube.apply(object);
    expect(res.status, `${object.kind}/${object.metadata.name}: ${statusMessage(res)}`).toBeLessThan(300);
  }

  beforeAll(async () => {
    const server = await useServer('kube');
    await applyCrds(server.kubeconfig);
    admin = new RawKube(server.kubeconfig);
    alice = admin.impersonate(ALICE, ['system:authenticated']);
    victor = admin.impersonate(VICTOR, ['system:authenticated']);
    controller = admin.impersonate(CONTROLLER, [
      'system:serviceaccounts',
      `system:serviceaccounts:${SYSTEM}`,
      'system:authenticated',
    ]);

    for (const name of [TEAM_A, TEAM_B, SYSTEM])
      await mustCreate(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // The chart's roles exactly as rendered (CRDs were applied above).
    for (const object of await renderChart(RELEASE, SYSTEM)) {
      if (
        ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount'].includes(object.kind)
      )
        await mustCreate(admin, object);
    }
    for (const ns of [TEAM_A, TEAM_B]) {
      await mustCreate(admin, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's3-credentials', namespace: ns },
        stringData: {
          AWS_ACCESS_KEY_ID: `key-${ns}`,
          AWS_SECRET_ACCESS_KEY: randomBytes(12).toString('hex'),
        },
      });
      await mustCreate(
        admin,
        cr('Repository', ns, 'offsite', {
          url: `s3://backups/${ns}`,
          credentialsSecret: { name: 's3-credentials' },
        }),
      );
    }
    await mustCreate(admin, binding(TEAM_A, 'lifeboat-operator', ALICE));
    await mustCreate(admin, binding(TEAM_A, 'lifeboat-viewer', VICTOR));
  });

  describe('lifeboat-operator bound in team-a', () => {
    it('creates Backup, Restore and Drill in team-a and reads them back', async () => {
      for (const object of [
        cr('Backup', TEAM_A, 'alice-backup', { repository: 'offsite' }),
        cr('Restore', TEAM_A, 'alice-restore', { repository: 'offsite', backupId: 'b-1' }),
        cr('Drill', TEAM_A, 'alice-drill', { repository: 'offsite' }),
      ]) {
        const res = await alice.create(object);
        expect(res.status, `${object.kind}: ${statusMessage(res)}`).toBe(201);
      }
      expect((await alice.request('GET', `${GROUP_PATH}/${TEAM_A}/backups/alice-backup`)).status).toBe(200);
      expect((await alice.request('GET', `${GROUP_PATH}/${TEAM_A}/repositories/offsite`)).status).toBe(200);
      expect((await alice.request('DELETE', `${GROUP_PATH}/${TEAM_A}/drills/alice-drill`)).status).toBe(200);
    });

    it('cannot back up or restore in team-b', async () => {
      for (const object of [
        cr('Backup', TEAM_B, 'alice-backup', { repository: 'offsite' }),
        cr('Restore', TEAM_B, 'alice-restore', { repository: 'offsite', backupId: 'b-1' }),
      ]) {
        const res = await alice.create(object);
        expect(res.status, statusMessage(res)).toBe(403);
        expect(statusMessage(res)).toContain(`cannot create resource "${object.kind.toLowerCase()}s"`);
      }
      expect((await alice.request('GET', `${GROUP_PATH}/${TEAM_B}/backups`)).status).toBe(403);
    });

    it("cannot read Secrets in team-a or team-b, nor team-b's Repository", async () => {
      for (const ns of [TEAM_A, TEAM_B]) {
        expect((await alice.request('GET', `/api/v1/namespaces/${ns}/secrets/s3-credentials`)).status).toBe(
          403,
        );
        expect((await alice.request('GET', `/api/v1/namespaces/${ns}/secrets`)).status).toBe(403);
      }
      expect((await alice.request('GET', `${GROUP_PATH}/${TEAM_B}/repositories/offsite`)).status).toBe(403);
      expect((await alice.request('GET', `/apis/lifeboat.dev/v1alpha1/repositories`)).status).toBe(403);
    });

    it("cannot point a backup at team-b's Repository: references are names in the object's own namespace", async () => {
      const res = await alice.create(cr('Backup', TEAM_A, 'cross-ns', { repository: `${TEAM_B}/offsite` }));
      expect(res.status).toBe(422);
      expect(statusMessage(res)).toContain('spec.repository');
    });

    it('cannot create or change Repositories, BackupPolicies or Blueprints, nor forge a status', async () => {
      expect((await alice.create(cr('Repository', TEAM_A, 'mine', { url: 's3://elsewhere/x' }))).status).toBe(
        403,
      );
      expect(
        (
          await alice.request('PATCH', `${GROUP_PATH}/${TEAM_A}/repositories/offsite`, {
            spec: { url: 's3://elsewhere/x' },
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await alice.create(
            cr('BackupPolicy', TEAM_A, 'p', { repository: 'offsite', schedule: '0 3 * * *' }),
          )
        ).status,
      ).toBe(403);
      const forged = await alice.request('PATCH', `${GROUP_PATH}/${TEAM_A}/backups/alice-backup/status`, {
        status: { phase: 'Succeeded' },
      });
      expect(forged.status).toBe(403);
    });
  });

  describe('lifeboat-viewer bound in team-a', () => {
    it('lists and gets every kind in team-a, creates nothing, reads no Secret', async () => {
      for (const plural of [
        'blueprints',
        'repositories',
        'backuppolicies',
        'backups',
        'restores',
        'drills',
      ]) {
        const res = await victor.request('GET', `${GROUP_PATH}/${TEAM_A}/${plural}`);
        expect(res.status, `${plural}: ${statusMessage(res)}`).toBe(200);
      }
      const list = await victor.request('GET', `${GROUP_PATH}/${TEAM_A}/backups`);
      expect(
        (list.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
      ).toContain('alice-backup');
      expect(
        (await victor.create(cr('Backup', TEAM_A, 'victor-backup', { repository: 'offsite' }))).status,
      ).toBe(403);
      expect((await victor.request('DELETE', `${GROUP_PATH}/${TEAM_A}/backups/alice-backup`)).status).toBe(
        403,
      );
      expect(
        (await victor.request('GET', `/api/v1/namespaces/${TEAM_A}/secrets/s3-credentials`)).status,
      ).toBe(403);
      expect((await victor.request('GET', `${GROUP_PATH}/${TEAM_B}/backups`)).status).toBe(403);
    });
  });

  describe("the controller's ServiceAccount", () => {
    it('lists workloads cluster-wide and reads a named Secret, but cannot list or write Secrets', async () => {
      for (const path of [
        '/apis/apps/v1/statefulsets',
        '/apis/apps/v1/deployments',
        '/api/v1/pods',
        '/api/v1/services',
        '/api/v1/persistentvolumeclaims',
        '/api/v1/namespaces',
        '/apis/discovery.k8s.io/v1/endpointslices',
        '/apis/lifeboat.dev/v1alpha1/backups',
      ]) {
        const res = await controller.request('GET', `${path}?limit=1`);
        expect(res.status, `${path}: ${statusMessage(res)}`).toBe(200);
      }
      expect(
        (await controller.request('GET', `/api/v1/namespaces/${TEAM_B}/secrets/s3-credentials`)).status,
      ).toBe(200);
      expect((await controller.request('GET', `/api/v1/namespaces/${TEAM_B}/secrets`)).status).toBe(403);
      expect((await controller.request('GET', '/api/v1/secrets')).status).toBe(403);
      const write = await controller.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'x', namespace: TEAM_A },
      });
      expect(write.status).toBe(403);
    });

    it('writes action status, Events and Jobs, and takes its Lease only in its own namespace', async () => {
      const status = await controller.request(
        'PATCH',
        `${GROUP_PATH}/${TEAM_A}/backups/alice-backup/status`,
        {
          status: { phase: 'Running' },
        },
      );
      expect(status.status, statusMessage(status)).toBe(200);
      const event = await controller.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `alice-backup.${suffix}`, namespace: TEAM_A },
        involvedObject: { apiVersion: API_VERSION, kind: 'Backup', name: 'alice-backup', namespace: TEAM_A },
        reason: 'Started',
        message: 'backup started',
        type: 'Normal',
      });
      expect(event.status, statusMessage(event)).toBe(201);
      const job = await controller.create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'backup-alice', namespace: TEAM_A },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'lifeboat', image: 'ghcr.io/lifeboat-dev/lifeboat:0.1.0' }],
            },
          },
        },
      });
      expect(job.status, statusMessage(job)).toBe(201);
      const lease = (namespace: string): KubeObject => ({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'lifeboat-controller', namespace },
        spec: { holderIdentity: 'lifeboat-0', leaseDurationSeconds: 15 },
      });
      expect((await controller.create(lease(SYSTEM))).status).toBe(201);
      expect((await controller.create(lease(TEAM_A))).status).toBe(403);
      // Not granted: deleting workloads, exec (off by default), cluster-wide RBAC changes.
      expect(
        (await controller.request('DELETE', `/apis/apps/v1/namespaces/${TEAM_A}/statefulsets/none`)).status,
      ).toBe(403);
      expect(
        (await controller.request('GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles`)).status,
      ).toBe(403);
    });
  });
});
