/**
 * `lifeboat controller --metrics-port` as it runs in a cluster, scraped like Prometheus
 * does: a Backup CR and a Drill CR run to completion against the real API server and the
 * real test PostgreSQL (and a Restore CR is refused), then `/metrics` shows their values (compared with the committed
 * manifest and the CRs' status). The controller is stopped (SIGTERM) and started again:
 * the last-success time is back before any new backup even though the Backup CR was deleted
 * meanwhile (seeded from the repository's manifests), while counters restart from zero as
 * Prometheus expects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../../testcontainers/index.ts';
import { Fixture } from '../integration/controller/_fixture.ts';
import { parsePrometheusText, sampleValue, type Sample } from '../_support/prometheus-text.ts';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');

interface Running {
  readonly child: ResultPromise<{ reject: false; all: true }>;
  readonly url: string;
}

describe('lifeboat controller: Prometheus endpoint', () => {
  let fx: Fixture;
  let work = '';
  let running: Running | undefined;
  /** Every controller process started, so none outlives the test whatever fails. */
  const children = new Set<ResultPromise>();

  /** Starts the controller CLI; resolves with its metrics URL once /readyz says the caches are synced. */
  async function startControllerProcess(): Promise<Running> {
    const child = execa(
      process.execPath,
      [
        CLI,
        'controller',
        '--kubeconfig',
        fx.kubeconfig,
        '--namespace',
        fx.namespace,
        '--cluster-name',
        'metrics-e2e',
        '--metrics-port',
        '0',
        '--leader-election-namespace',
        fx.namespace,
      ],
      { reject: false, all: true, env: { LIFEBOAT_CLUSTER: '' } },
    );
    children.add(child);
    let log = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`controller printed no metrics URL in 60 s:\n${log}`));
      }, 60_000);
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const found = /"url":"(http:\/\/[^"]+)"/.exec(log);
        if (found?.[1]) {
          clearTimeout(timer);
          resolveUrl(found[1]);
        }
      });
      void child.then(() => {
        clearTimeout(timer);
        reject(new Error(`controller exited before serving metrics:\n${log}`));
      });
    });
    const deadline = Date.now() + 60_000;
    while ((await fetch(`${url}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`controller not ready in 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { child, url };
  }

  async function stopControllerProcess(): Promise<void> {
    if (!running) return;
    const { child } = running;
    running = undefined;
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
  }

  async function scrape(): Promise<Sample[]> {
    if (!running) throw new Error('controller not running');
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(200);
    return parsePrometheusText(await response.text());
  }

  beforeAll(async () => {
    const [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-controller-metrics-'));
    fx = new Fixture(kube.kubeconfig, postgres, 'lb-metrics', join(work, 'repo'));
    await fx.setUp(3000);
    running = await startControllerProcess();
  }, 300_000);

  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
      await child;
    }
    await fx.tearDown();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('exports finished Backup, Drill and Restore CRs', async () => {
    const app = { namespace: fx.namespace, application: 'shop' };
    const before = await scrape();
    expect(before.filter((s) => s.name === 'lifeboat_backup_total')).toEqual([]);
    expect(sampleValue(before, 'lifeboat_actions_running', { kind: 'backup' })).toBe(0);

    await fx.create('Backup', 'nightly', { repository: 'repo', application: 'shop' });
    const backup = await fx.finished('Backup', 'nightly');
    expect(backup.status?.phase, JSON.stringify(backup.status)).toBe('Succeeded');
    const manifest = await (await fx.openRepository()).readManifest(String(backup.status?.backupId));
    expect(manifest.cluster).toBe('metrics-e2e');

    await fx.create('Drill', 'weekly', { repository: 'repo', application: 'shop' });
    const drill = await fx.finished('Drill', 'weekly');
    expect(drill.status?.result, JSON.stringify(drill.status)).toBe('Passed');

    // A Restore into the (non-empty) original without force is refused: a failed restore.
    await fx.create('Restore', 'refused', { repository: 'repo', backupId: String(backup.status?.backupId) });
    expect((await fx.finished('Restore', 'refused')).status?.phase).toBe('Failed');

    const samples = await scrape();
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(samples, name, { ...app, ...labels });
    expect(value('lifeboat_backup_total', { result: 'succeeded' })).toBe(1);
    expect(samples.some((s) => s.name === 'lifeboat_backup_total' && s.labels.result === 'failed')).toBe(
      false,
    );
    expect(value('lifeboat_backup_duration_seconds_count')).toBe(1);
    const startedToCompleted =
      (Date.parse(String(backup.status?.completedAt)) - Date.parse(String(backup.status?.startedAt))) / 1000;
    expect(value('lifeboat_backup_duration_seconds_sum')).toBeGreaterThan(0);
    expect(value('lifeboat_backup_duration_seconds_sum')).toBeLessThanOrEqual(startedToCompleted + 1);
    const bytes = samples
      .filter((s) => s.name === 'lifeboat_backup_bytes_total' && s.labels.namespace === fx.namespace)
      .reduce((n, s) => n + s.value, 0);
    expect(bytes).toBe(manifest.artifacts.reduce((n, a) => n + a.bytes, 0));
    expect(value('lifeboat_backup_bytes_total', { database: `orders-db/${fx.database}` })).toBeGreaterThan(0);
    expect(value('lifeboat_last_successful_backup_timestamp_seconds')).toBe(
      Date.parse(manifest.completedAt) / 1000,
    );
    expect(value('lifeboat_restore_total', { result: 'failed' })).toBe(1);
    expect(value('lifeboat_drill_success')).toBe(1);
    expect(value('lifeboat_drill_restore_seconds')).toBeCloseTo(Number(drill.status?.recoverySeconds), 3);
    for (const kind of ['backup', 'restore', 'drill'])
      expect(sampleValue(samples, 'lifeboat_actions_running', { kind })).toBe(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  }, 240_000);

  it("serves the dashboard on the same port, with the caller's token only", async () => {
    if (!running) throw new Error('controller not running');
    const page = await fetch(`${running.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html/i);
    const info = (await (await fetch(`${running.url}/api/info`)).json()) as {
      mode: string;
      needsToken: boolean;
    };
    expect(info).toMatchObject({ mode: 'cluster', needsToken: true });
    // No token: the controller never answers with its own rights.
    expect((await fetch(`${running.url}/api/applications`)).status).toBe(401);
    expect((await fetch(`${running.url}/no-such-page`)).status).toBe(404);
    expect((await fetch(`${running.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('after a restart (Backup CR deleted) the last-success time is seeded from the repository; counters reset', async () => {
    const backup = await fx.get('Backup', 'nightly');
    const manifest = await (await fx.openRepository()).readManifest(String(backup.status?.backupId));
    await stopControllerProcess();
    // As retention does: the Backup CR goes, the backup stays in the repository.
    await fx.custom.deleteNamespacedCustomObject({
      group: 'lifeboat.dev',
      version: 'v1alpha1',
      namespace: fx.namespace,
      plural: 'backups',
      name: 'nightly',
    });
    running = await startControllerProcess();
    const gauge = 'lifeboat_last_successful_backup_timestamp_seconds';
    const app = { namespace: fx.namespace, application: 'shop' };
    // With the CR gone, only the repository's manifest can have put it back.
    const expected = Date.parse(manifest.completedAt) / 1000;
    const seeded = (samples: Sample[]) =>
      samples.find((s) => s.name === gauge && s.labels.namespace === app.namespace);
    const deadline = Date.now() + 30_000;
    let samples = await scrape();
    while (seeded(samples)?.value !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      samples = await scrape();
    }
    expect(sampleValue(samples, gauge, app)).toBe(expected);
    expect(samples.filter((s) => s.name === 'lifeboat_backup_total')).toEqual([]);
    await stopControllerProcess();
  }, 180_000);
});
