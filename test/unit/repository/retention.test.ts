import { describe, expect, it } from 'vitest';
import {
  isEmptyPolicy,
  selectRetention,
  type RetentionCandidate,
  type RetentionPolicy,
} from '../../../engine/repository/retention.ts';

const NOW = new Date('2026-06-30T12:00:00Z');
const at = (id: string, iso: string, app = 'shop', retainUntil?: string): RetentionCandidate => ({
  id,
  app,
  time: new Date(iso),
  ...(retainUntil ? { retainUntil: new Date(retainUntil) } : {}),
});

// one backup every 6 hours for 10 days (ids b00 oldest … b39 newest)
const series = Array.from({ length: 40 }, (_, i) =>
  at(`b${String(i).padStart(2, '0')}`, new Date(Date.UTC(2026, 5, 20, 0) + i * 6 * 3600_000).toISOString()),
);

const cases: [string, readonly RetentionCandidate[], RetentionPolicy, string[]][] = [
  ['keep-last 3', series, { keepLast: 3 }, ['b37', 'b38', 'b39']],
  ['keep-daily 2: newest of each of the last 2 days', series, { keepDaily: 2 }, ['b35', 'b39']],
  ['keep-hourly 2', series, { keepHourly: 2 }, ['b38', 'b39']],
  ['keep-last 1 + keep-daily 3 overlap', series, { keepLast: 1, keepDaily: 3 }, ['b31', 'b35', 'b39']],
  [
    'keep-weekly 2 (ISO weeks)',
    [
      at('mon', '2026-06-22T01:00:00Z'),
      at('sun', '2026-06-21T23:00:00Z'),
      at('sat', '2026-06-20T10:00:00Z'),
      at('tue', '2026-06-23T01:00:00Z'),
    ],
    { keepWeekly: 2 },
    ['sun', 'tue'],
  ],
  [
    'keep-monthly 2, keep-yearly 2',
    [
      at('jan25', '2025-01-05T00:00:00Z'),
      at('dec25', '2025-12-31T00:00:00Z'),
      at('may26', '2026-05-01T00:00:00Z'),
      at('jun26', '2026-06-01T00:00:00Z'),
    ],
    { keepMonthly: 2, keepYearly: 2 },
    ['dec25', 'may26', 'jun26'],
  ],
  [
    'per application',
    [
      at('a1', '2026-06-01T00:00:00Z', 'a'),
      at('a2', '2026-06-02T00:00:00Z', 'a'),
      at('b1', '2026-05-01T00:00:00Z', 'b'),
    ],
    { keepLast: 1 },
    ['a2', 'b1'],
  ],
  [
    'retainUntil in the future keeps a backup the policy drops',
    [
      at('old', '2026-01-01T00:00:00Z', 'shop', '2026-07-01T00:00:00Z'),
      at('older', '2025-01-01T00:00:00Z', 'shop', '2026-01-01T00:00:00Z'),
      at('new', '2026-06-29T00:00:00Z'),
    ],
    { keepLast: 1 },
    ['new', 'old'],
  ],
];

describe('selectRetention', () => {
  it.each(cases)('%s', (_label, candidates, policy, expected) => {
    const d = selectRetention(candidates, policy, NOW);
    expect([...d.keep].sort()).toEqual([...expected].sort());
    expect([...d.keep, ...d.remove].sort()).toEqual(candidates.map((c) => c.id).sort());
  });

  it('records why each backup is kept', () => {
    const d = selectRetention(series, { keepLast: 1, keepDaily: 1 }, NOW);
    expect(d.reasons.b39).toEqual(['last', 'daily']);
  });

  it.each([
    [{}, true],
    [{ keepLast: 0 }, true],
    [{ keepDaily: 1 }, false],
  ])('isEmptyPolicy(%j) = %s', (policy, empty) => {
    expect(isEmptyPolicy(policy)).toBe(empty);
  });
});
