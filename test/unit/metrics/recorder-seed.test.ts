import { describe, expect, it } from 'vitest';
import {
  backupApplication,
  createMetrics,
  MetricsRecorder,
  newestPerApplication,
  seedLastSuccessful,
  successesFromBackups,
  successesFromRepository,
} from '../../../engine/metrics/index.ts';
import { parsePrometheusText, sampleValue } from '../../_support/prometheus-text.ts';

const at = (iso: string) => new Date(iso);

describe('seeding the last successful backup time', () => {
  const backup = (ns: string, phase: string, completedAt?: string, app?: string, label?: string) => ({
    metadata: { namespace: ns, ...(label && { labels: { 'lifeboat.dev/application': label } }) },
    spec: { ...(app && { application: app }) },
    status: { phase, ...(completedAt && { completedAt }) },
  });

  it('reads succeeded Backup CRs that name their application (label, else spec)', () => {
    const records = successesFromBackups([
      backup('shop', 'Succeeded', '2026-11-25T10:00:00Z', 'orders'),
      backup('shop', 'Failed', '2026-11-25T11:00:00Z', 'orders'),
      backup('shop', 'Running'),
      backup('shop', 'Succeeded', 'not a time', 'orders'),
      backup('crm', 'Succeeded', '2026-11-25T09:00:00Z', 'spec-name', 'label-name'),
      backup('blog', 'Succeeded', '2026-11-25T08:00:00Z'),
    ]);
    expect(records).toEqual([
      { namespace: 'shop', application: 'orders', completedAt: at('2026-11-25T10:00:00Z') },
      { namespace: 'crm', application: 'label-name', completedAt: at('2026-11-25T09:00:00Z') },
    ]);
    // A Backup naming no application is left to the repository's manifest (no guessed label).
    expect(backupApplication({ metadata: { namespace: 'x' } })).toBeUndefined();
  });

  it('reads this cluster’s manifests that name a namespace', () => {
    const entries = [
      { app: 'shop', completedAt: '2026-11-25T10:00:00Z', cluster: 'a', namespace: 'ns' },
      { app: 'shop', completedAt: '2026-11-25T12:00:00Z', cluster: 'b', namespace: 'ns' },
      { app: 'shop', completedAt: '2026-11-25T13:00:00Z', cluster: 'a' },
      { app: 'shop', completedAt: '2026-11-25T14:00:00Z' },
    ];
    expect(successesFromRepository(entries, 'a')).toEqual([
      { namespace: 'ns', application: 'shop', completedAt: at('2026-11-25T10:00:00Z') },
    ]);
  });

  it('keeps the newest per application, and never moves the gauge back', async () => {
    const records = [
      { namespace: 'ns', application: 'a', completedAt: at('2026-11-25T10:00:00Z') },
      { namespace: 'ns', application: 'a', completedAt: at('2026-11-25T12:00:00Z') },
      { namespace: 'ns', application: 'b', completedAt: at('2026-11-25T11:00:00Z') },
      { namespace: 'other', application: 'a', completedAt: at('2026-11-25T09:00:00Z') },
    ];
    expect(
      newestPerApplication(records).map((r) => [r.namespace, r.application, r.completedAt.toISOString()]),
    ).toEqual([
      ['ns', 'a', '2026-11-25T12:00:00.000Z'],
      ['ns', 'b', '2026-11-25T11:00:00.000Z'],
      ['other', 'a', '2026-11-25T09:00:00.000Z'],
    ]);
    const metrics = createMetrics({ processMetrics: false });
    const recorder = new MetricsRecorder(metrics);
    recorder.backupSucceededAt({ namespace: 'ns', application: 'a' }, at('2026-11-25T13:00:00Z'));
    expect(seedLastSuccessful(recorder, records)).toBe(3);
    const samples = parsePrometheusText(await metrics.registry.metrics());
    const gauge = 'lifeboat_last_successful_backup_timestamp_seconds';
    expect(sampleValue(samples, gauge, { namespace: 'ns', application: 'a' })).toBe(
      Date.parse('2026-11-25T13:00:00Z') / 1000,
    );
    expect(sampleValue(samples, gauge, { namespace: 'other', application: 'a' })).toBe(
      Date.parse('2026-11-25T09:00:00Z') / 1000,
    );
  });
});

describe('MetricsRecorder', () => {
  it('counts running actions per kind, never below zero (an action resumed after a restart)', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const recorder = new MetricsRecorder(metrics);
    const subject = { namespace: 'ns', application: 'a' };
    recorder.started('restore', subject);
    recorder.started('restore', subject);
    recorder.finished({ kind: 'restore', ...subject, result: 'failed', durationSeconds: 1 });
    recorder.finished({ kind: 'drill', ...subject, passed: false });
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(samples, 'lifeboat_actions_running', { kind: 'restore' })).toBe(1);
    expect(sampleValue(samples, 'lifeboat_actions_running', { kind: 'drill' })).toBe(0);
    expect(sampleValue(samples, 'lifeboat_restore_total', { ...subject, result: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'lifeboat_drill_success', subject)).toBe(0);
    // A drill that never got to restore leaves no restore time.
    expect(samples.filter((s) => s.name === 'lifeboat_drill_restore_seconds')).toEqual([]);
  });
});
