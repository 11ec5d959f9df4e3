/**
 * Metrics as Prometheus sees them: real backups of a real PostgreSQL (a two-database
 * application cut, and one that fails) and a real drill are recorded through the
 * recorder, then `/metrics` is fetched over HTTP, parsed, and its values compared with
 * what the runs themselves report (manifest, drill report). A second process's registry
 * seeded from the repository shows the last-success time surviving a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMetrics,
  MetricsRecorder,
  seedLastSuccessful,
  startMetricsServer,
  successesFromRepository,
  type MetricsServer,
} from '../../../engine/metrics/index.ts';
import { workloadsFromArguments, type Application } from '../../../engine/model/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runDrill, type EngineSetup } from '../../../engine/runs/index.ts';
import { useServer, type PostgresServer, type SharedServer } from '../../../testcontainers/index.ts';
import { parsePrometheusText, sampleValue, type Sample } from '../../_support/prometheus-text.ts';
import { pgQuery } from '../../_support/sql.ts';

const suffix = randomBytes(3).toString('hex');
const ORDERS = `metrics_orders_${suffix}`;
const STOCK = `metrics_stock_${suffix}`;
const NS = 'shop-ns';
const CLUSTER = 'metrics-test';
const APP = { namespace: NS, application: 'shop' };

async function scrape(server: MetricsServer): Promise<Sample[]> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe('metrics scraped over HTTP', () => {
  let postgres: SharedServer<PostgresServer>;
  let work = '';
  let repository: Repository;
  let setup: EngineSetup;
  const servers: MetricsServer[] = [];
  const run = { signal: new AbortController().signal, onEvent: () => undefined };

  const url = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;
  const application = (dbs: Record<string, string>): Application => ({
    name: 'shop',
    namespace: NS,
    workloads: workloadsFromArguments(
      Object.entries(dbs).map(([member, db]) => `${member}=${url(db)}`),
      [],
      () => postgres.password,
    ),
  });

  beforeAll(async () => {
    postgres = await useServer('postgres');
    for (const db of [ORDERS, STOCK]) await pgQuery(postgres, 'postgres', `CREATE DATABASE ${db}`);
    await pgQuery(
      postgres,
      ORDERS,
      `CREATE TABLE orders (id int PRIMARY KEY, item text);
       INSERT INTO orders SELECT g, repeat('o', 200) || g FROM generate_series(1, 5000) g;`,
    );
    await pgQuery(
      postgres,
      STOCK,
      `CREATE TABLE stock (sku int PRIMARY KEY, qty int); INSERT INTO stock SELECT g, g % 7 FROM generate_series(1, 3000) g;`,
    );
    work = await mkdtemp(join(tmpdir(), 'lifeboat-metrics-'));
    const store = new LocalStore(join(work, 'repo'));
    await Repository.init(store);
    repository = await Repository.open(store);
    setup = await loadEngineSetup();
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const db of [ORDERS, STOCK])
      await pgQuery(postgres, 'postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(
        () => undefined,
      );
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('answers /healthz always and /readyz only once the readiness check passes', async () => {
    let synced = false;
    const server = await startMetricsServer({
      registry: createMetrics({ processMetrics: false }).registry,
      port: 0,
      host: '127.0.0.1',
      ready: () => synced,
    });
    servers.push(server);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    synced = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('exports what real backups and a drill did, per application and database', async () => {
    const metrics = createMetrics();
    const recorder = new MetricsRecorder(metrics);
    const server = await startMetricsServer({ registry: metrics.registry, port: 0, host: '127.0.0.1' });
    servers.push(server);

    // A two-database application: one consistent cut, so a freeze window is measured.
    recorder.started('backup', APP);
    expect(sampleValue(await scrape(server), 'lifeboat_actions_running', { kind: 'backup' })).toBe(1);
    let t0 = performance.now();
    const { manifest } = await runBackup(
      {
        application: application({ orders: ORDERS, stock: STOCK }),
        options: { consistency: 'app' },
        cluster: CLUSTER,
      },
      setup,
      repository,
      run,
    );
    const okSeconds = (performance.now() - t0) / 1000;
    recorder.finished({ kind: 'backup', ...APP, result: 'succeeded', durationSeconds: okSeconds, manifest });

    // A backup that fails (its database does not exist): counted, timed, no bytes, no success time.
    recorder.started('backup', APP);
    t0 = performance.now();
    await expect(
      runBackup(
        { application: application({ orders: `${ORDERS}_missing` }), options: {}, cluster: CLUSTER },
        setup,
        repository,
        run,
      ),
    ).rejects.toThrow();
    const failedSeconds = (performance.now() - t0) / 1000;
    recorder.finished({ kind: 'backup', ...APP, result: 'failed', durationSeconds: failedSeconds });

    recorder.started('drill', APP);
    const drill = await runDrill(
      {
        backupId: manifest.backupId,
        scratch: {},
        keep: false,
        parallelism: 2,
        passwordFor: () => postgres.password,
      },
      setup,
      repository,
      run,
    );
    recorder.finished({
      kind: 'drill',
      ...APP,
      passed: drill.passed,
      restoreSeconds: drill.restoreMs / 1000,
    });
    expect(drill.passed).toBe(true);

    const samples = await scrape(server);
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(samples, name, { ...APP, ...labels });
    expect(value('lifeboat_backup_total', { result: 'succeeded' })).toBe(1);
    expect(value('lifeboat_backup_total', { result: 'failed' })).toBe(1);
    expect(value('lifeboat_backup_duration_seconds_count')).toBe(2);
    expect(value('lifeboat_backup_duration_seconds_sum')).toBeCloseTo(okSeconds + failedSeconds, 6);
    // Both runs took under an hour, and at least one took more than a millisecond's bucket.
    expect(value('lifeboat_backup_duration_seconds_bucket', { le: '3600' })).toBe(2);

    // Bytes per database add up to the member's size as listed (its artifacts' plaintext bytes).
    for (const [member, db] of [
      ['orders', ORDERS],
      ['stock', STOCK],
    ] as const) {
      const artifacts = manifest.artifacts.filter((a) => a.member === member);
      const listed = artifacts.reduce((n, a) => n + a.bytes, 0);
      const perDatabase = samples
        .filter((s) => s.name === 'lifeboat_backup_bytes_total' && s.labels.database?.startsWith(member))
        .reduce((n, s) => n + s.value, 0);
      expect(listed).toBeGreaterThan(10_000);
      expect(perDatabase).toBe(listed);
      const ofDatabase = artifacts.filter((a) => a.meta.database === db).reduce((n, a) => n + a.bytes, 0);
      expect(ofDatabase).toBeGreaterThan(0);
      expect(value('lifeboat_backup_bytes_total', { database: `${member}/${db}` })).toBe(ofDatabase);
    }

    const fenceMs = Number(manifest.members[0]?.details.fenceWindowMs);
    expect(Number.isFinite(fenceMs)).toBe(true);
    expect(value('lifeboat_freeze_window_seconds_count')).toBe(1);
    expect(value('lifeboat_freeze_window_seconds_sum')).toBeCloseTo(fenceMs / 1000, 9);

    expect(value('lifeboat_last_successful_backup_timestamp_seconds')).toBe(
      Date.parse(manifest.completedAt) / 1000,
    );
    expect(value('lifeboat_drill_success')).toBe(1);
    expect(value('lifeboat_drill_restore_seconds')).toBe(drill.restoreMs / 1000);
    for (const kind of ['backup', 'restore', 'drill'])
      expect(sampleValue(samples, 'lifeboat_actions_running', { kind })).toBe(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // Bounded label sets: no backup id anywhere in the exposition.
    expect(samples.some((s) => Object.values(s.labels).includes(manifest.backupId))).toBe(false);
  }, 300_000);

  it('a restarted process seeds the last-success time from the repository (this cluster only)', async () => {
    // Another cluster's newer backup in the same repository must not count.
    const other = await repository.startBackup({ app: 'shop', cluster: 'elsewhere', namespace: NS });
    await other.commit();
    const ours = (await repository.list('shop')).filter((b) => b.cluster === CLUSTER);
    expect(ours).toHaveLength(1);

    const metrics = createMetrics({ processMetrics: false });
    const server = await startMetricsServer({ registry: metrics.registry, port: 0, host: '127.0.0.1' });
    servers.push(server);
    const before = await scrape(server);
    expect(before.filter((s) => s.name === 'lifeboat_last_successful_backup_timestamp_seconds')).toEqual([]);

    const seeded = seedLastSuccessful(
      new MetricsRecorder(metrics),
      successesFromRepository(await repository.list(), CLUSTER),
    );
    expect(seeded).toBe(1);
    expect(sampleValue(await scrape(server), 'lifeboat_last_successful_backup_timestamp_seconds', APP)).toBe(
      Date.parse(ours[0]?.completedAt ?? '') / 1000,
    );
  }, 60_000);
});
