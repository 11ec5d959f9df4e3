/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { describe, expect, it } from 'vitest';
import type { ActionFinished } from '../../../engine/controller/observer.ts';
import type { KubeObject, ReconcileContext } from '../../../engine/controller/types.ts';
import { RESOURCES } from '../../../engine/controller/resources.ts';
import {
  createMetrics,
  lastSuccessSeeder,
  MetricsRecorder,
  metricsObserver,
  type RepositoryEntryLike,
} from '../../../engine/metrics/index.ts';
import { parsePrometheusText, sampleValue } from '../../_support/prometheus-text.ts';

const REF = { namespace: 'ns', name: 'x', uid: 'u', repository: 'repo', cluster: 'c' };

function finished(extra: Partial<ActionFinished> & Pick<ActionFinished, 'kind' | 'result'>): ActionFinished {
  return {
    ...REF,
    application: 'shop',
    reason: 'R',
    message: '',
    startedAt: new Date(0),
    completedAt: new Date(1000),
    durationSeconds: 1,
    bytes: 0,
    freezeWindowMs: undefined,
    backupId: undefined,
    members: [],
    ...extra,
  };
}

async function samplesOf(metrics: ReturnType<typeof createMetrics>) {
  return parsePrometheusText(await metrics.registry.metrics());
}

describe('metricsObserver', () => {
  it('maps the controller’s notifications onto the metrics', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const observer = metricsObserver(new MetricsRecorder(metrics));
    observer.onActionStarted?.({ ...REF, kind: 'Drill', application: 'shop', startedAt: new Date() });
    expect(sampleValue(await samplesOf(metrics), 'lifeboat_actions_running', { kind: 'drill' })).toBe(1);
    observer.onActionFinished?.(
      finished({
        kind: 'Drill',
        result: 'Failed',
        drill: { passed: true, recoverySeconds: 4, differences: 0 },
      }),
    );
    observer.onActionFinished?.(
      finished({ kind: 'Backup', result: 'Failed', application: undefined, durationSeconds: 7 }),
    );
    observer.onActionFinished?.(finished({ kind: 'Restore', result: 'Succeeded' }));
    const samples = await samplesOf(metrics);
    // A drill whose action failed did not pass, whatever partial outcome it carries.
    expect(sampleValue(samples, 'lifeboat_drill_success', { namespace: 'ns', application: 'shop' })).toBe(0);
    expect(
      sampleValue(samples, 'lifeboat_drill_restore_seconds', { namespace: 'ns', application: 'shop' }),
    ).toBe(4);
    expect(sampleValue(samples, 'lifeboat_actions_running', { kind: 'drill' })).toBe(0);
    expect(sampleValue(samples, 'lifeboat_backup_total', { application: '', result: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'lifeboat_backup_duration_seconds_sum', { application: '' })).toBe(7);
    expect(sampleValue(samples, 'lifeboat_restore_total', { application: 'shop', result: 'succeeded' })).toBe(
      1,
    );
  });
});

describe('lastSuccessSeeder', () => {
  const gauge = 'lifeboat_last_successful_backup_timestamp_seconds';

  function context(caches: { backups: KubeObject[]; repositories: KubeObject[] }) {
    const warnings: string[] = [];
    const ctx = {
      cluster: 'here',
      signal: new AbortController().signal,
      cache: (ref: { plural: string }) => ({
        list: () => (ref.plural === 'backups' ? caches.backups : caches.repositories),
        get: () => undefined,
      }),
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string) => warnings.push(message),
        error: () => undefined,
      },
    } as unknown as ReconcileContext;
    return { ctx, warnings };
  }
  const repo = (namespace: string, url: string): KubeObject => ({
    metadata: { namespace, name: 'repo' },
    spec: { url },
  });

  it('seeds from Backup CRs and from each repository location once; a failing one is skipped', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const listed: string[] = [];
    const entries: Record<string, RepositoryEntryLike[]> = {
      's3://shared/x': [
        { app: 'shop', completedAt: '2026-11-25T12:00:00Z', cluster: 'here', namespace: 'a' },
        { app: 'shop', completedAt: '2026-11-25T13:00:00Z', cluster: 'elsewhere', namespace: 'a' },
      ],
    };
    const { ctx, warnings } = context({
      backups: [
        {
          metadata: { namespace: 'a' },
          spec: { application: 'shop' },
          status: { phase: 'Succeeded', completedAt: '2026-11-25T11:00:00Z' },
        },
        {
          metadata: { namespace: 'b' },
          spec: { application: 'crm' },
          status: { phase: 'Succeeded', completedAt: '2026-11-25T10:00:00Z' },
        },
      ],
      repositories: [repo('a', 's3://shared/x'), repo('b', 's3://shared/x'), repo('c', 's3://broken')],
    });
    const seeder = lastSuccessSeeder(new MetricsRecorder(metrics), {
      backups: RESOURCES.backups,
      repositories: RESOURCES.repositories,
      listRepository: (object) => {
        const url = (object.spec as { url: string }).url;
        listed.push(`${object.metadata?.namespace ?? ''}:${url}`);
        const found = entries[url];
        return found ? Promise.resolve(found) : Promise.reject(new Error('no such bucket'));
      },
    });
    await seeder.run(ctx);
    expect(listed).toEqual(['a:s3://shared/x', 'c:s3://broken']);
    expect(warnings).toHaveLength(1);
    const samples = await samplesOf(metrics);
    // Namespace a: the repository's 12:00 beats the CR's 11:00; the other cluster's 13:00 does not count.
    expect(sampleValue(samples, gauge, { namespace: 'a', application: 'shop' })).toBe(
      Date.parse('2026-11-25T12:00:00Z') / 1000,
    );
    expect(sampleValue(samples, gauge, { namespace: 'b', application: 'crm' })).toBe(
      Date.parse('2026-11-25T10:00:00Z') / 1000,
    );
  });
});
