import { describe, expect, it } from 'vitest';
import {
  planPolicy,
  type ExistingRun,
  type PlanInput,
  type PolicyView,
} from '../../../../engine/controller/policy/plan-runs.ts';
import type { CandidateApplication } from '../../../../engine/controller/policy/protection.ts';

const t = (iso: string) => new Date(iso);

function aPolicy(overrides: Partial<PolicyView['spec']> = {}, status: PolicyView['status'] = {}): PolicyView {
  return {
    name: 'nightly',
    namespace: 'shop',
    createdAt: t('2026-01-01T09:59:30Z'),
    spec: { repository: 'main', schedule: '* * * * *', ...overrides },
    status,
  };
}

function anApp(name: string, ...workloads: [string, Record<string, string>?, Record<string, string>?][]) {
  return {
    name,
    workloads: workloads.map(([w, annotations = {}, labels = {}]) => ({
      kind: 'StatefulSet',
      name: w,
      annotations,
      labels,
    })),
  } satisfies CandidateApplication;
}

const protect = (policy: string) => ({ 'lifeboat.dev/protect': policy });

function plan(input: Partial<PlanInput> & { policy: PolicyView }) {
  return planPolicy({
    now: t('2026-01-01T10:00:10Z'),
    namespaceAnnotations: {},
    applications: [],
    existing: [],
    ...input,
  });
}

describe('planPolicy: protection', () => {
  const apps = [
    anApp('shop', ['orders-db', protect('nightly')], ['stock-db']),
    anApp('crm', ['crm-db', protect('weekly')]),
    anApp('blog', ['blog-db', {}, { tier: 'gold' }]),
  ];

  it('annotation on a workload protects it (and only it) for that policy', () => {
    const p = plan({ policy: aPolicy(), applications: apps });
    expect(p.protected).toEqual([
      {
        application: 'shop',
        workloads: ['orders-db'],
        whole: false,
        reasons: ['StatefulSet orders-db: annotation lifeboat.dev/protect'],
      },
    ]);
    expect(p.create).toEqual([
      {
        kind: 'Backup',
        name: 'nightly-shop-202601011000',
        application: 'shop',
        scheduledFor: t('2026-01-01T10:00:00Z'),
        labels: {
          'lifeboat.dev/policy': 'nightly',
          'lifeboat.dev/application': 'shop',
          'lifeboat.dev/scheduled-for': '2026-01-01T10-00-00Z',
        },
        spec: { repository: 'main', application: 'shop', workloads: ['orders-db'], policy: 'nightly' },
      },
    ]);
    expect(p.lastScheduleTime).toEqual(t('2026-01-01T10:00:00Z'));
    expect(p.requeueAt).toEqual(t('2026-01-01T10:01:00Z'));
  });

  it('a namespace annotation protects every database, except one annotated for another policy', () => {
    const p = plan({ policy: aPolicy(), applications: apps, namespaceAnnotations: protect('nightly') });
    expect(p.protected.map((a) => [a.application, a.workloads, a.whole])).toEqual([
      ['blog', ['blog-db'], true],
      ['shop', ['orders-db', 'stock-db'], true],
    ]);
    // whole applications: the Backup names no workloads
    expect(p.create.map((c) => [c.name, c.spec.workloads])).toEqual([
      ['nightly-blog-202601011000', undefined],
      ['nightly-shop-202601011000', undefined],
    ]);
  });

  it('a selector protects what it matches; an annotation for another policy wins over it', () => {
    const p = plan({
      policy: aPolicy({
        selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] },
      }),
      applications: [...apps, anApp('gold-but-weekly', ['g-db', protect('weekly'), { tier: 'gold' }])],
    });
    expect(p.protected.map((a) => [a.application, a.workloads])).toEqual([
      ['blog', ['blog-db']],
      ['shop', ['orders-db']],
    ]);
  });

  it('an empty selector selects all; no selector selects none', () => {
    expect(plan({ policy: aPolicy({ selector: {} }), applications: apps }).protected).toHaveLength(2);
    const onlyAnnotated = plan({ policy: aPolicy(), applications: [anApp('blog', ['blog-db'])] });
    expect(onlyAnnotated.protected).toEqual([]);
    expect(onlyAnnotated.create).toEqual([]);
    // the tick still counts: protecting later does not replay it
    expect(onlyAnnotated.lastScheduleTime).toEqual(t('2026-01-01T10:00:00Z'));
  });

  it('removing the annotation stops new runs', () => {
    const first = plan({ policy: aPolicy(), applications: apps });
    expect(first.create).toHaveLength(1);
    const later = plan({
      policy: aPolicy({}, { lastScheduleTime: '2026-01-01T10:00:00Z' }),
      now: t('2026-01-01T10:01:05Z'),
      applications: [anApp('shop', ['orders-db'], ['stock-db'])],
    });
    expect(later.protected).toEqual([]);
    expect(later.create).toEqual([]);
  });
});

describe('planPolicy: schedule', () => {
  const apps = [anApp('shop', ['orders-db', protect('nightly')])];
  const backup = (name: string, phase?: string, app = 'shop'): ExistingRun => ({
    kind: 'Backup',
    name,
    phase,
    labels: { 'lifeboat.dev/policy': 'nightly', 'lifeboat.dev/application': app },
  });

  it('nothing is due before the first tick after creation', () => {
    const p = plan({ policy: aPolicy(), applications: apps, now: t('2026-01-01T09:59:59Z') });
    expect(p.create).toEqual([]);
    expect(p.lastScheduleTime).toBeUndefined();
    expect(p.requeueAt).toEqual(t('2026-01-01T10:00:00Z'));
  });

  it('re-planning the same tick creates the same name, and nothing once it exists', () => {
    const a = plan({ policy: aPolicy(), applications: apps });
    const b = plan({ policy: aPolicy(), applications: apps });
    expect(a.create.map((c) => c.name)).toEqual(b.create.map((c) => c.name));
    const again = plan({
      policy: aPolicy(),
      applications: apps,
      existing: [backup('nightly-shop-202601011000', 'Succeeded')],
    });
    expect(again.create).toEqual([]);
    expect(again.lastScheduleTime).toEqual(t('2026-01-01T10:00:00Z'));
  });

  it('after downtime, one catch-up run for the latest tick only', () => {
    const p = plan({
      policy: aPolicy({}, { lastScheduleTime: '2026-01-01T10:00:00Z' }),
      applications: apps,
      now: t('2026-01-03T07:42:31Z'),
    });
    expect(p.create.map((c) => c.name)).toEqual(['nightly-shop-202601030742']);
    expect(p.droppedMissed).toEqual(['Backup']);
    expect(p.lastScheduleTime).toEqual(t('2026-01-03T07:42:00Z'));
  });

  it('skips a tick while the previous backup of the application still runs', () => {
    const p = plan({
      policy: aPolicy({}, { lastScheduleTime: '2026-01-01T09:59:00Z' }),
      applications: apps,
      existing: [backup('nightly-shop-202601010959', 'Running')],
    });
    expect(p.create).toEqual([]);
    expect(p.skipped).toEqual([
      {
        kind: 'Backup',
        application: 'shop',
        scheduledFor: t('2026-01-01T10:00:00Z'),
        reason: 'Backup nightly-shop-202601010959 is still Running',
      },
    ]);
    // a backup of another application or policy does not block
    const other = plan({
      policy: aPolicy({}, { lastScheduleTime: '2026-01-01T09:59:00Z' }),
      applications: apps,
      existing: [backup('nightly-crm-202601010959', undefined, 'crm')],
    });
    expect(other.create).toHaveLength(1);
  });

  it('suspend creates nothing and keeps the tick for later, but reports protection', () => {
    const p = plan({ policy: aPolicy({ suspend: true }), applications: apps });
    expect(p.create).toEqual([]);
    expect(p.protected).toHaveLength(1);
    expect(p.lastScheduleTime).toBeUndefined();
    expect(p.requeueAt).toBeUndefined();
  });

  it('an invalid schedule is reported with its field, and protection is still computed', () => {
    const p = plan({ policy: aPolicy({ schedule: '* * *' }), applications: apps });
    expect(p.errors.map((e) => e.field)).toEqual(['spec.schedule']);
    expect(p.create).toEqual([]);
    expect(p.protected).toHaveLength(1);
    const tz = plan({ policy: aPolicy({ timeZone: 'Nowhere/Land' }), applications: apps });
    expect(tz.errors.map((e) => e.field)).toEqual(['spec.timeZone']);
  });

  it('strategy and consistency go into the Backup spec', () => {
    const p = plan({ policy: aPolicy({ strategy: 'replica', consistency: 'member' }), applications: apps });
    expect(p.create[0]?.spec).toMatchObject({
      strategy: 'replica',
      consistency: 'member',
      policy: 'nightly',
    });
  });

  it('freeze-snapshot: the snapshot class goes into the Backup spec, only when set', () => {
    const p = plan({
      policy: aPolicy({ strategy: 'freeze-snapshot', snapshotClass: 'csi-gold' }),
      applications: apps,
    });
    expect(p.create[0]?.spec).toMatchObject({ strategy: 'freeze-snapshot', snapshotClass: 'csi-gold' });
    expect(plan({ policy: aPolicy(), applications: apps }).create[0]?.spec).not.toHaveProperty(
      'snapshotClass',
    );
  });

  it('uses a hashed name when the plain one belongs to another policy/application pair', () => {
    const p = plan({
      policy: aPolicy(),
      applications: apps,
      existing: [
        {
          kind: 'Backup',
          name: 'nightly-shop-202601011000',
          phase: 'Succeeded',
          labels: { 'lifeboat.dev/policy': 'nightly-shop', 'lifeboat.dev/application': '' },
        },
      ],
    });
    expect(p.create).toHaveLength(1);
    expect(p.create[0]?.name).not.toBe('nightly-shop-202601011000');
    expect(p.create[0]?.name).toMatch(/^nightly-shop-[0-9a-f]{8}-202601011000$/);
  });
});

describe('planPolicy: drills', () => {
  const apps = [anApp('shop', ['orders-db', protect('nightly')])];
  const drillPolicy = (status: PolicyView['status'] = {}) =>
    aPolicy({ schedule: '0 3 * * *', drill: { schedule: '0 12 * * 0' } }, status);
  const labels = { 'lifeboat.dev/policy': 'nightly', 'lifeboat.dev/application': 'shop' };

  it('creates a Drill on its own schedule for an application with a succeeded backup', () => {
    const now = t('2026-01-04T12:00:20Z'); // a Sunday
    const withBackup = plan({
      policy: drillPolicy({ lastScheduleTime: '2026-01-04T03:00:00Z' }),
      applications: apps,
      now,
      existing: [{ kind: 'Backup', name: 'nightly-shop-202601040300', phase: 'Succeeded', labels }],
    });
    expect(withBackup.create).toEqual([
      expect.objectContaining({
        kind: 'Drill',
        name: 'nightly-shop-202601041200',
        spec: { repository: 'main', application: 'shop' },
      }),
    ]);
    expect(withBackup.lastDrillTime).toEqual(t('2026-01-04T12:00:00Z'));
    expect(withBackup.lastScheduleTime).toBeUndefined();
    expect(withBackup.requeueAt).toEqual(t('2026-01-05T03:00:00Z'));

    const without = plan({
      policy: drillPolicy({ lastScheduleTime: '2026-01-04T03:00:00Z' }),
      applications: apps,
      now,
      existing: [{ kind: 'Backup', name: 'nightly-shop-202601040300', phase: 'Failed', labels }],
    });
    expect(without.create).toEqual([]);
    expect(without.skipped[0]?.reason).toMatch(/no succeeded backup/);
  });

  it('an invalid drill schedule names spec.drill.schedule and leaves backups running', () => {
    const p = plan({ policy: aPolicy({ drill: { schedule: 'every sunday' } }), applications: apps });
    expect(p.errors.map((e) => e.field)).toEqual(['spec.drill.schedule']);
    expect(p.create.map((c) => c.kind)).toEqual(['Backup']);
  });
});
