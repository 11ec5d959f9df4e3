/** Pure rules of the cluster-mode dashboard: selectors, which policy protects what, RPO, running actions. */
import { describe, expect, it } from 'vitest';
import {
  applicationDetail,
  drillViewOf,
  protectingPolicy,
  runningActionsOf,
  scheduleInterval,
  selectorMatches,
  type ApplicationFacts,
  type PolicyObject,
} from '../../../engine/dashboard/cluster-views.ts';
import { newStoredBytes } from '../../../engine/dashboard/repository-views.ts';
import type { Manifest } from '../../../engine/repository/index.ts';

const app = (
  workloads: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> }[],
) =>
  ({
    namespace: 'shop',
    name: 'shop',
    workloads: workloads.map((w) => ({
      name: w.name,
      engine: 'postgres',
      databases: [],
      annotations: w.annotations ?? {},
      labels: w.labels ?? {},
    })),
  }) satisfies ApplicationFacts;

const policy = (name: string, extra: Partial<PolicyObject> = {}, namespace = 'shop'): PolicyObject => ({
  metadata: { name, namespace },
  spec: { repository: 'r', schedule: '0 * * * *' },
  ...extra,
});

describe('selectorMatches', () => {
  it.each([
    [{ matchLabels: { tier: 'db' } }, { tier: 'db' }, true],
    [{ matchLabels: { tier: 'db' } }, { tier: 'web' }, false],
    [
      { matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['db', 'cache'] }] },
      { tier: 'cache' },
      true,
    ],
    [
      { matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['db'] }] },
      { tier: 'db' },
      false,
    ],
    [{ matchExpressions: [{ key: 'backup', operator: 'Exists' as const }] }, {}, false],
    [{ matchExpressions: [{ key: 'backup', operator: 'DoesNotExist' as const }] }, {}, true],
    // An empty selector would select everything: the dashboard does not count that as protection.
    [{}, { tier: 'db' }, false],
    [undefined, { tier: 'db' }, false],
  ])('%j on %j → %s', (selector, labels, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

describe('protectingPolicy', () => {
  it('prefers the policy whose status lists the application, then annotations, then selectors', () => {
    const a = app([
      { name: 'db', annotations: { 'lifeboat.dev/protect': 'annotated' }, labels: { tier: 'db' } },
    ]);
    const listed = policy('listed', { status: { protected: [{ application: 'shop', workloads: ['db'] }] } });
    const annotated = policy('annotated');
    const selecting = policy('selecting', {
      spec: { repository: 'r', schedule: '0 * * * *', selector: { matchLabels: { tier: 'db' } } },
    });
    expect(protectingPolicy(a, [selecting, annotated, listed], undefined)?.policy).toBe(listed);
    expect(protectingPolicy(a, [selecting, annotated], undefined)?.policy).toBe(annotated);
    expect(protectingPolicy(a, [selecting], undefined)?.how).toBe('selected by policy selecting');
  });

  it('takes the namespace annotation, ignores policies of other namespaces and unknown names', () => {
    const a = app([{ name: 'db', annotations: { 'lifeboat.dev/protect': 'missing' } }]);
    expect(
      protectingPolicy(a, [policy('nightly', {}, 'other')], { 'lifeboat.dev/protect': 'nightly' }),
    ).toBeUndefined();
    expect(protectingPolicy(a, [policy('nightly')], { 'lifeboat.dev/protect': 'nightly' })?.how).toBe(
      'namespace is annotated for policy nightly',
    );
    expect(protectingPolicy(a, [policy('nightly')], undefined)).toBeUndefined();
  });
});

describe('scheduleInterval', () => {
  const now = new Date('2026-03-28T12:00:00Z');
  it.each([
    ['0 2 * * *', undefined, 86_400],
    ['*/15 * * * *', undefined, 900],
    ['0 */6 * * *', 'Europe/Berlin', 21_600],
    ['not a cron', undefined, null],
    [undefined, undefined, null],
  ])('%s (%s) → %s s', (schedule, zone, expected) => {
    expect(scheduleInterval(schedule, zone, now)).toBe(expected);
  });
});

describe('runningActionsOf', () => {
  it('keeps pending and running actions, with progress, oldest first', () => {
    const actions = runningActionsOf(
      [
        { metadata: { name: 'done', namespace: 'n' }, status: { phase: 'Succeeded' } },
        {
          metadata: { name: 'b', namespace: 'n' },
          spec: { application: 'shop' },
          status: {
            phase: 'Running',
            startedAt: '2026-01-01T00:00:02Z',
            progress: { bytes: 10, updatedAt: '2026-01-01T00:00:03Z' },
          },
        },
      ],
      [{ metadata: { name: 'r', namespace: 'n', creationTimestamp: '2026-01-01T00:00:01Z' } }],
      [{ metadata: { name: 'd', namespace: 'n' }, status: { phase: 'Failed' } }],
    );
    expect(actions.map((a) => [a.kind, a.name, a.phase, a.progress?.bytes ?? null])).toEqual([
      ['Restore', 'r', 'Pending', null],
      ['Backup', 'b', 'Running', 10],
    ]);
  });
});

describe('newStoredBytes', () => {
  const manifest = (backupId: string, startedAt: string) => ({ backupId, startedAt }) as unknown as Manifest;
  it('charges each pack to the first backup (by start time) whose index names it', () => {
    const sizes = new Map([
      ['p1', 100],
      ['p2', 10],
      ['p3', 1],
    ]);
    const packsOf = new Map([
      ['second', ['p1', 'p3']],
      ['first', ['p1', 'p2']],
    ]);
    const result = newStoredBytes(
      [manifest('second', '2026-01-02T00:00:00Z'), manifest('first', '2026-01-01T00:00:00Z')],
      packsOf,
      sizes,
    );
    expect(Object.fromEntries(result)).toEqual({ first: 110, second: 1 });
  });
});

describe('applicationDetail', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const shop = app([{ name: 'db', annotations: { 'lifeboat.dev/protect': 'nightly' } }]);
  const state = (extra: { backups?: object[]; drills?: object[]; apps?: ApplicationFacts[] } = {}) => ({
    applications: extra.apps ?? [shop],
    policies: [policy('nightly')],
    backups: (extra.backups ?? []) as never[],
    drills: (extra.drills ?? []) as never[],
    namespaceAnnotations: new Map(),
  });
  const backup = (
    name: string,
    phase: string,
    completedAt?: string,
    application: string | null = 'shop',
  ) => ({
    metadata: { name, namespace: 'shop' },
    spec: { repository: 'r', ...(application !== null && { application }) },
    status: { phase, startedAt: '2026-11-25T10:00:00Z', ...(completedAt && { completedAt }) },
  });

  it('is protected with the RPO since the last good backup, against the schedule', () => {
    const d = applicationDetail(
      shop,
      state({ backups: [backup('b1', 'Succeeded', '2026-11-25T11:00:00Z')] }),
      now,
    );
    expect([d.status, d.policy, d.rpo]).toEqual([
      'protected',
      'nightly',
      { actualSeconds: 3600, policySeconds: 3600 },
    ]);
  });

  it('is failing when the last backup or the last finished drill failed', () => {
    expect(applicationDetail(shop, state({ backups: [backup('b1', 'Failed')] }), now).status).toBe('failing');
    const drills = [
      {
        metadata: { name: 'd1', namespace: 'shop' },
        spec: { application: 'shop' },
        status: { phase: 'Failed', result: 'Failed', completedAt: '2026-11-25T11:00:00Z' },
      },
      {
        metadata: { name: 'd2', namespace: 'shop' },
        spec: { application: 'shop' },
        status: { phase: 'Running', startedAt: '2026-11-25T11:30:00Z' },
      },
    ];
    const d = applicationDetail(shop, state({ drills }), now);
    expect([d.status, d.reason]).toEqual(['failing', 'the last drill (d1) failed']);
  });

  it('counts a backup that names no application only for the namespace’s sole application', () => {
    const unnamed = backup('b0', 'Succeeded', '2026-11-25T11:00:00Z', null);
    expect(applicationDetail(shop, state({ backups: [unnamed] }), now).backups).toHaveLength(1);
    const other = { ...shop, name: 'other' };
    expect(applicationDetail(shop, state({ backups: [unnamed], apps: [shop, other] }), now).backups).toEqual(
      [],
    );
  });

  it('is unprotected without a policy', () => {
    const lone = app([{ name: 'db' }]);
    expect(applicationDetail(lone, state({ apps: [lone] }), now).status).toBe('unprotected');
  });
});

describe('drillViewOf', () => {
  it('gives the differing tables of the Drill status in the shape of a repository drill report', () => {
    const view = drillViewOf({
      metadata: { name: 'd1', namespace: 'shop' },
      spec: { repository: 'repo', backupId: 'b1' },
      status: {
        phase: 'Failed',
        result: 'Failed',
        completedAt: '2026-11-25T11:00:00Z',
        differences: 53,
        tables: [
          {
            member: 'db',
            database: 'shop',
            table: 'public.orders',
            expectedRows: 8000,
            actualRows: 7999,
            problem: 'rowCount',
          },
          { member: 'db', database: 'shop', table: 'public.gone', expectedRows: 5, problem: 'missing' },
          { member: 'kv', database: '', table: 'extra', actualRows: 1, problem: 'unexpected' },
        ],
        tablesTruncated: true,
      },
    });
    expect(view.differenceCount).toBe(53);
    expect(view.differences).toEqual([
      { member: 'db', table: 'shop.public.orders', expected: { rows: 8000 }, actual: { rows: 7999 } },
      { member: 'db', table: 'shop.public.gone', expected: { rows: 5 }, actual: null },
      { member: 'kv', table: 'extra', expected: null, actual: { rows: 1 } },
    ]);
  });

  it('has no tables for a status written before the list existed, only the count', () => {
    const view = drillViewOf({
      metadata: { name: 'd0', namespace: 'shop' },
      spec: { repository: 'repo' },
      status: { phase: 'Failed', result: 'Failed', differences: 2 },
    });
    expect([view.differenceCount, view.differences]).toEqual([2, []]);
  });
});
