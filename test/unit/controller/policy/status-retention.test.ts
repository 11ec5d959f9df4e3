/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import type { V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { candidatesFromWorkloads } from '../../../../engine/controller/policy/candidates.ts';
import { planPolicy } from '../../../../engine/controller/policy/plan-runs.ts';
import {
  desiredStatus,
  protectionChange,
  statusChanged,
} from '../../../../engine/controller/policy/policy-status.ts';
import {
  backupsPruned,
  hasRetention,
  newlySucceeded,
  retentionScope,
  type BackupRecord,
} from '../../../../engine/controller/policy/retention.ts';

const sts = (
  name: string,
  image: string,
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): V1StatefulSet => ({
  metadata: { name, namespace: 'shop', ...meta },
  spec: {
    serviceName: name,
    selector: {},
    template: { spec: { containers: [{ name: 'db', image }] } },
  },
});

describe('candidatesFromWorkloads', () => {
  it('keeps database workloads only, grouped by application like discovery', () => {
    const c = candidatesFromWorkloads(
      [
        sts('orders-db', 'postgres:16', { labels: { 'app.kubernetes.io/part-of': 'shop' } }),
        sts('stock-db', 'bitnami/mariadb:11', { labels: { 'app.kubernetes.io/part-of': 'shop' } }),
        sts('web', 'nginx:1'),
        sts('cache', 'postgres:16', { annotations: { 'lifeboat.dev/engine': 'none' } }),
        sts('custom', 'my/thing:1', {
          annotations: { 'lifeboat.dev/engine': 'mongodb', 'lifeboat.dev/app': 'crm' },
        }),
      ],
      [],
    );
    expect(c.map((a) => [a.name, a.workloads.map((w) => w.name)])).toEqual([
      ['crm', ['custom']],
      ['shop', ['orders-db', 'stock-db']],
    ]);
  });
});

describe('policy status', () => {
  const now = new Date('2026-01-01T10:00:10Z');
  const plan = planPolicy({
    policy: {
      name: 'nightly',
      namespace: 'shop',
      createdAt: new Date('2026-01-01T09:00:00Z'),
      spec: { repository: 'r', schedule: '0 * * * *' },
    },
    now,
    namespaceAnnotations: { 'lifeboat.dev/protect': 'nightly' },
    applications: [
      { name: 'shop', workloads: [{ kind: 'StatefulSet', name: 'orders-db', labels: {}, annotations: {} }] },
    ],
    existing: [],
  });

  it('is Ready with what it protects and the schedule times; unchanged status is not rewritten', () => {
    const s = desiredStatus({ previous: undefined, plan, generation: 2, now, suspended: false });
    expect(s.protected).toEqual([{ application: 'shop', workloads: ['orders-db'] }]);
    expect(s.lastScheduleTime).toBe('2026-01-01T10:00:00Z');
    expect(s.observedGeneration).toBe(2);
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Ready', 'True', 'Scheduled', 'protects 1 application; next run at 2026-01-01T11:00:00Z'],
      ['Failed', 'False', 'Scheduled', 'no error'],
    ]);
    expect(statusChanged(undefined, s)).toBe(true);
    const again = desiredStatus({
      previous: s,
      plan,
      generation: 2,
      now: new Date('2026-01-01T10:00:30Z'),
      suspended: false,
    });
    expect(statusChanged(s, again)).toBe(false);
    expect(again.conditions?.[0]?.lastTransitionTime).toBe(s.conditions?.[0]?.lastTransitionTime);
  });

  it('records the backups of the last success with its time, and keeps both until a new one', () => {
    const at = new Date('2026-01-01T10:02:00Z');
    const s = desiredStatus({
      previous: undefined,
      plan,
      generation: 2,
      now,
      suspended: false,
      lastSuccessfulBackupTime: at,
      lastSuccessfulBackups: ['n-shop-2', 'n-shop-4'],
    });
    expect(s.lastSuccessfulBackupTime).toBe('2026-01-01T10:02:00Z');
    expect(s.lastSuccessfulBackups).toEqual(['n-shop-2', 'n-shop-4']);
    const kept = desiredStatus({ previous: s, plan, generation: 2, now, suspended: false });
    expect(kept.lastSuccessfulBackups).toEqual(['n-shop-2', 'n-shop-4']);
    expect(statusChanged(s, kept)).toBe(false);
    // Another backup in the same second: only the list changes, and that is a change to write.
    const more = desiredStatus({
      previous: s,
      plan,
      generation: 2,
      now,
      suspended: false,
      lastSuccessfulBackupTime: at,
      lastSuccessfulBackups: ['n-shop-2', 'n-shop-4', 'n-shop-5'],
    });
    expect(statusChanged(s, more)).toBe(true);
  });

  it('an invalid schedule makes it not Ready and Failed, naming the field', () => {
    const bad = planPolicy({
      policy: {
        name: 'p',
        namespace: 'shop',
        createdAt: now,
        spec: { repository: 'r', schedule: '0 25 * * *' },
      },
      now,
      namespaceAnnotations: {},
      applications: [],
      existing: [],
    });
    const s = desiredStatus({ previous: undefined, plan: bad, generation: 1, now, suspended: false });
    const failed = s.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'InvalidSchedule' });
    expect(failed?.message).toMatch(/^spec\.schedule: invalid cron expression "0 25 \* \* \*"/);
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it('reports protection changes', () => {
    expect(
      protectionChange(
        [
          { application: 'shop', workloads: ['a'] },
          { application: 'crm', workloads: ['c'] },
        ],
        [{ application: 'shop', workloads: ['a', 'b'] }],
      ),
    ).toEqual({ added: ['shop (a, b)'], removed: ['shop (a)', 'crm (c)'] });
  });
});

describe('retention planning', () => {
  const b = (
    name: string,
    app: string,
    phase: string,
    backupId?: string,
    completedAt?: string,
    policy = 'nightly',
  ): BackupRecord => ({
    name,
    labels: { 'lifeboat.dev/policy': policy, 'lifeboat.dev/application': app },
    phase,
    backupId,
    completedAt,
  });
  const backups = [
    b('n-shop-1', 'shop', 'Succeeded', 'id1', '2026-01-01T10:01:00Z'),
    b('n-shop-2', 'shop', 'Succeeded', 'id2', '2026-01-01T10:02:00Z'),
    b('n-shop-3', 'shop', 'Failed'),
    b('n-crm-1', 'crm', 'Succeeded', 'id3', '2026-01-01T10:03:00Z'),
    b('w-shop-1', 'shop', 'Succeeded', 'id4', '2026-01-01T10:04:00Z', 'weekly'),
  ];

  it('runs once per new success, for the applications that had one', () => {
    expect(newlySucceeded(backups, 'nightly', undefined)).toEqual({
      applications: ['crm', 'shop'],
      latest: new Date('2026-01-01T10:03:00Z'),
      atLatest: ['n-crm-1'],
    });
    expect(
      newlySucceeded(backups, 'nightly', new Date('2026-01-01T10:02:00Z'), ['n-shop-2']).applications,
    ).toEqual(['crm']);
    expect(
      newlySucceeded(backups, 'nightly', new Date('2026-01-01T10:03:00Z'), ['n-crm-1']).latest,
    ).toBeUndefined();
  });

  it('a backup completing in the same second as the last one handled is still new', () => {
    // CI saw it: retention ran for n-shop-2 at 10:02:00, then n-shop-4 completed at 10:02:00 too.
    const sameSecond = [...backups, b('n-shop-4', 'shop', 'Succeeded', 'id5', '2026-01-01T10:02:00Z')];
    const since = new Date('2026-01-01T10:02:00Z');
    const crmLater = sameSecond.filter((x) => x.name !== 'n-crm-1');
    expect(newlySucceeded(crmLater, 'nightly', since, ['n-shop-2'])).toEqual({
      applications: ['shop'],
      latest: since,
      atLatest: ['n-shop-2', 'n-shop-4'],
    });
    expect(newlySucceeded(crmLater, 'nightly', since, ['n-shop-2', 'n-shop-4']).latest).toBeUndefined();
    // A status written before the field existed names none: the backups of that second get
    // retention once more, which changes nothing (prune is idempotent).
    expect(newlySucceeded(crmLater, 'nightly', since, []).applications).toEqual(['shop']);
  });

  it('governs only this policy’s succeeded backups of the application', () => {
    expect(retentionScope(backups, 'nightly', 'shop')).toEqual(['id1', 'id2']);
    expect(backupsPruned(backups, ['id1', 'id4'])).toEqual(['n-shop-1', 'w-shop-1']);
    expect(hasRetention(undefined)).toBe(false);
    expect(hasRetention({ keepLast: 0 })).toBe(false);
    expect(hasRetention({ keepDaily: 7 })).toBe(true);
  });
});
