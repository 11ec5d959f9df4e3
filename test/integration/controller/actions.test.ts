/**
 * The controller end to end against the real kube-apiserver and the real test PostgreSQL
 * (data plane in-process: no kubelet). One controller watches the test's namespace:
 * - a Backup CR runs to Succeeded with status (backup id, cluster, bytes, members and
 *   guarantee, conditions), Events on the Backup and the StatefulSet, and the backup is
 *   committed in the repository the Repository CR names (encrypted with the key Secret);
 * - a Repository whose key Secret holds the wrong key fails the Backup with a clear
 *   condition, and no secret appears in status or Events;
 * - a Restore CR refuses the non-empty target without `force`, then with it puts the
 *   rows back (checked in the database) and verifies them;
 * - a Drill CR restores to scratch, compares fingerprints and reports Passed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type ControllerHandle } from '../../../engine/controller/controller.ts';
import { silentLogger, type ActionFinished, type ActionProgress } from '../../../engine/controller/index.ts';
import { API_VERSION, GROUP, VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { parse } from 'yaml';
import { createSecret, connect } from '../kube/_cluster.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { conditionOf, Fixture } from './_fixture.ts';

describe('controller: Backup, Restore and Drill CRs', () => {
  let fx: Fixture;
  let controller: ControllerHandle | undefined;
  let work = '';
  const finished: ActionFinished[] = [];
  const progressed: ActionProgress[] = [];
  let backupId = '';

  beforeAll(async () => {
    const [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-controller-'));
    fx = new Fixture(kube.kubeconfig, postgres, 'lb-ctl', join(work, 'repo'));
    await fx.setUp();
    controller = await startController({
      kubeConfig: fx.kc,
      namespaces: [fx.namespace],
      clusterName: 'test-cluster',
      identity: 'controller-under-test',
      leaderElection: { namespace: fx.namespace, leaseName: 'lifeboat-test', retryPeriodMs: 500 },
      logger: silentLogger,
      policy: false,
      progressIntervalMs: 200,
      observers: [{ onActionFinished: (e) => finished.push(e), onProgress: (e) => progressed.push(e) }],
    });
    await controller.synced;
  }, 300_000);

  afterAll(async () => {
    await controller?.stop();
    await fx.tearDown();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs a Backup CR to Succeeded, with status, conditions, Events and a committed backup', async () => {
    await fx.create('Backup', 'first', { repository: 'repo', application: 'shop' });
    const cr = await fx.finished('Backup', 'first');
    expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
    backupId = String(cr.status?.backupId);
    expect(backupId).toMatch(/\S+/);
    expect(cr.status?.cluster).toBe('test-cluster');
    expect(cr.status?.bytes).toBeGreaterThan(0);
    expect(cr.status?.runner?.identity).toBe('controller-under-test');
    expect(cr.status?.members).toEqual([
      expect.objectContaining({ name: 'orders-db', engine: 'postgres', strategy: 'logical' }),
    ]);
    expect(conditionOf(cr, 'Ready')).toMatchObject({ status: 'True', reason: 'BackupSucceeded' });
    expect(conditionOf(cr, 'Progressing')).toMatchObject({ status: 'False' });
    expect(conditionOf(cr, 'Failed')).toMatchObject({ status: 'False' });
    expect(typeof cr.status?.completedAt).toBe('string');

    const onBackup = await fx.eventReasons('Backup', 'first', 'BackupSucceeded');
    expect(onBackup).toEqual(expect.arrayContaining(['Started', 'BackupSucceeded']));
    const onWorkload = await fx.eventReasons('StatefulSet', 'orders-db', 'BackedUp');
    expect(onWorkload).toEqual(expect.arrayContaining(['BackupStarted', 'BackedUp']));

    const repository = await fx.openRepository();
    const listed = await repository.list('shop');
    expect(listed.map((b) => b.backupId)).toEqual([backupId]);
    const manifest = await repository.readManifest(backupId);
    expect(manifest.members[0]?.fingerprint).toBeDefined();
    expect(finished.find((f) => f.name === 'first')).toMatchObject({
      kind: 'Backup',
      result: 'Succeeded',
      application: 'shop',
      backupId,
    });
    const everything = JSON.stringify([cr, onBackup, await fx.events('StatefulSet', 'orders-db')]);
    expect(everything).not.toContain(fx.postgres.password);
    expect(everything).not.toContain(fx.key);
  }, 180_000);

  it('fails a Backup whose Repository key Secret holds the wrong key, saying why', async () => {
    const wrongKey = 'this-is-definitely-not-the-key-0123456789';
    await createSecret(connect(fx.kubeconfig), fx.namespace, 'wrong-key', { key: wrongKey });
    await fx.create('Repository', 'wrong', { url: fx.repoUrl, encryptionKeySecret: { name: 'wrong-key' } });
    await fx.create('Backup', 'with-wrong-key', { repository: 'wrong' });
    const cr = await fx.finished('Backup', 'with-wrong-key');
    expect(cr.status?.phase).toBe('Failed');
    const failed = conditionOf(cr, 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'RepositoryUnavailable' });
    expect(failed?.message).toMatch(/wrong repository key/);
    expect(conditionOf(cr, 'Ready')?.status).toBe('False');
    expect(await fx.eventReasons('Backup', 'with-wrong-key', 'RepositoryUnavailable')).toContain(
      'RepositoryUnavailable',
    );
    const events = await fx.events('Backup', 'with-wrong-key');
    expect(JSON.stringify([cr, events])).not.toContain(wrongKey);

    // A missing Repository and a missing key entry are named too.
    await fx.create('Backup', 'no-repo', { repository: 'nope' });
    expect(conditionOf(await fx.finished('Backup', 'no-repo'), 'Failed')).toMatchObject({
      reason: 'RepositoryNotFound',
    });
    await fx.create('Repository', 'bad-entry', {
      url: fx.repoUrl,
      encryptionKeySecret: { name: 'repo-key', key: 'absent' },
    });
    await fx.create('Backup', 'bad-entry', { repository: 'bad-entry' });
    const badEntry = conditionOf(await fx.finished('Backup', 'bad-entry'), 'Failed');
    expect(badEntry).toMatchObject({ reason: 'RepositoryKeyMissing' });
    expect(badEntry?.message).toContain('"absent"');
  }, 120_000);

  it('restores a backup into the discovered workload: refuses a non-empty target, then with force', async () => {
    expect(backupId).not.toBe('');
    await fx.sql(fx.database, 'DELETE FROM orders WHERE id > 100');
    await fx.create('Restore', 'refused', { repository: 'repo', backupId });
    const refused = await fx.finished('Restore', 'refused');
    expect(refused.status?.phase).toBe('Failed');
    expect(conditionOf(refused, 'Failed')?.message).toMatch(/not empty|non-empty|force/i);
    expect((await fx.sql(fx.database, 'SELECT count(*)::int AS n FROM orders'))[0]?.n).toBe(100);

    await fx.create('Restore', 'forced', { repository: 'repo', backupId, force: true });
    const forced = await fx.finished('Restore', 'forced');
    expect(forced.status?.phase, JSON.stringify(forced.status)).toBe('Succeeded');
    expect(forced.status?.verified).toBe(true);
    expect(forced.status?.restored).toEqual([{ member: 'orders-db', databases: [fx.database] }]);
    expect(conditionOf(forced, 'Ready')).toMatchObject({ status: 'True', reason: 'RestoreSucceeded' });
    const rows = await fx.sql(fx.database, 'SELECT count(*)::int AS n, max(item) AS last FROM orders');
    expect(rows[0]).toEqual({ n: 500, last: 'item-99' });
    expect(await fx.eventReasons('StatefulSet', 'orders-db', 'Restored')).toContain('Restored');
  }, 180_000);

  it('uses the Blueprint CR a Backup names (this namespace), and names a missing one', async () => {
    const file = parse(
      await readFile(join(import.meta.dirname, '../../../blueprints/postgres.yaml'), 'utf8'),
    ) as { spec: Record<string, unknown> };
    await fx.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: fx.namespace,
      plural: 'blueprints',
      body: {
        apiVersion: API_VERSION,
        kind: 'Blueprint',
        metadata: { name: 'team-postgres' },
        spec: file.spec,
      },
    });
    // The informer sees the new Blueprint before the Backup that needs it in practice; wait to be sure.
    await new Promise((r) => setTimeout(r, 500));
    await fx.create('Backup', 'with-blueprint', { repository: 'repo', blueprint: 'team-postgres' });
    const cr = await fx.finished('Backup', 'with-blueprint');
    expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
    const manifest = await (await fx.openRepository()).readManifest(String(cr.status?.backupId));
    expect(manifest.members[0]?.details.blueprint).toBe('team-postgres');

    await fx.create('Backup', 'missing-blueprint', { repository: 'repo', blueprint: 'nope' });
    const missing = conditionOf(await fx.finished('Backup', 'missing-blueprint'), 'Failed');
    expect(missing).toMatchObject({ status: 'True', reason: 'BlueprintNotFound' });
  }, 120_000);

  it('refuses a Restore into another namespace', async () => {
    await fx.create('Restore', 'elsewhere', { repository: 'repo', backupId, targetNamespace: 'default' });
    const cr = await fx.finished('Restore', 'elsewhere');
    expect(conditionOf(cr, 'Failed')).toMatchObject({ status: 'True', reason: 'CrossNamespaceRefused' });
  }, 60_000);

  it('drills the latest backup of the application: Passed, with recovery time', async () => {
    await fx.create('Drill', 'drill', { repository: 'repo', application: 'shop' });
    const cr = await fx.finished('Drill', 'drill');
    expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
    expect(cr.status?.result).toBe('Passed');
    expect(cr.status?.differences).toBe(0);
    // The per-table list is in the status (the API server keeps it: the CRD schema knows it), empty.
    expect(cr.status?.tables).toEqual([]);
    expect(cr.status?.tablesTruncated).toBeUndefined();
    expect(cr.status?.recoverySeconds).toBeGreaterThan(0);
    expect(conditionOf(cr, 'Ready')).toMatchObject({ status: 'True', reason: 'DrillPassed' });
    // Scratch databases are gone.
    const left = await fx.sql(
      fx.postgres.database,
      `SELECT datname FROM pg_database WHERE datname LIKE '${fx.database}_drill_%'`,
    );
    expect(left).toEqual([]);
    expect(finished.find((f) => f.name === 'drill')?.drill).toMatchObject({ passed: true, differences: 0 });
  }, 180_000);

  it('reports progress in the status while a bigger Backup runs, at most once per interval', async () => {
    await fx.sql(
      fx.database,
      `INSERT INTO orders SELECT g, repeat('x', 200) || g FROM generate_series(1001, 200000) g`,
    );
    const updates: { at: number; bytes: number }[] = [];
    const watch = await new Watch(fx.kc).watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${fx.namespace}/backups`,
      { fieldSelector: 'metadata.name=big' },
      (_type, object: { status?: { progress?: { bytes: number } } }) => {
        const bytes = object.status?.progress?.bytes;
        if (bytes !== undefined && bytes !== updates.at(-1)?.bytes) updates.push({ at: Date.now(), bytes });
      },
      () => undefined,
    );
    const began = Date.now();
    try {
      await fx.create('Backup', 'big', { repository: 'repo' });
      const cr = await fx.finished('Backup', 'big', 240_000);
      expect(cr.status?.phase, JSON.stringify(cr.status)).toBe('Succeeded');
      const progress = cr.status?.progress as { bytes: number; updatedAt: string } | undefined;
      expect(progress?.bytes).toBeGreaterThan(40_000_000);
      expect(typeof progress?.updatedAt).toBe('string');
    } finally {
      watch.abort();
    }
    const seconds = (Date.now() - began) / 1000;
    // Progress grew in steps while running, never faster than the interval (200 ms here).
    expect(updates.length).toBeGreaterThan(1);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(seconds / 0.2) + 2);
    for (let i = 1; i < updates.length; i++)
      expect(updates[i]?.bytes ?? 0).toBeGreaterThan(updates[i - 1]?.bytes ?? 0);
    // Observers (metrics) got the same throttled progress, and the outcome with its bytes.
    const observed = progressed.filter((p) => p.name === 'big');
    expect(observed.length).toBeGreaterThan(1);
    expect(observed.at(-1)).toMatchObject({ kind: 'Backup', namespace: fx.namespace, application: 'shop' });
    const done = finished.find((f) => f.name === 'big');
    expect(done?.bytes).toBeGreaterThanOrEqual(observed.at(-1)?.bytes ?? Infinity);
    expect(done?.manifest?.backupId).toBe(done?.backupId);
  }, 300_000);
});
