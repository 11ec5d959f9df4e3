import { describe, expect, it } from 'vitest';
import { dueRun, parseSchedule, ScheduleError } from '../../../../engine/controller/policy/schedule.ts';

const t = (iso: string) => new Date(iso);

describe('parseSchedule', () => {
  it('refuses anything but five fields, naming the field', () => {
    for (const bad of ['* * * *', '* * * * * *', 'nonsense', '61 * * * *', '']) {
      expect(() => parseSchedule(bad, undefined, 'spec.drill.schedule')).toThrow(ScheduleError);
      try {
        parseSchedule(bad, undefined, 'spec.drill.schedule');
      } catch (error) {
        expect((error as ScheduleError).field).toBe('spec.drill.schedule');
        expect((error as Error).message).toMatch(/^spec\.drill\.schedule: /);
      }
    }
  });

  it('refuses an unknown time zone, naming spec.timeZone', () => {
    expect(() => parseSchedule('0 2 * * *', 'Mars/Olympus', 'spec.schedule')).toThrow(
      /^spec\.timeZone: unknown time zone "Mars\/Olympus"/,
    );
  });

  it('fires in the given time zone, across daylight saving', () => {
    const s = parseSchedule('30 2 * * *', 'Europe/Berlin', 'spec.schedule');
    expect(s.next(t('2026-01-10T12:00:00Z'))).toEqual(t('2026-01-11T01:30:00Z')); // CET = UTC+1
    expect(s.next(t('2026-07-10T12:00:00Z'))).toEqual(t('2026-07-11T00:30:00Z')); // CEST = UTC+2
    expect(parseSchedule('30 2 * * *', undefined, 'spec.schedule').next(t('2026-07-10T12:00:00Z'))).toEqual(
      t('2026-07-11T02:30:00Z'),
    );
  });

  it('latest() includes the instant itself, next() excludes it', () => {
    const s = parseSchedule('*/5 * * * *', undefined, 'spec.schedule');
    expect(s.latest(t('2026-01-01T10:10:00Z'))).toEqual(t('2026-01-01T10:10:00Z'));
    expect(s.latest(t('2026-01-01T10:14:59.900Z'))).toEqual(t('2026-01-01T10:10:00Z'));
    expect(s.next(t('2026-01-01T10:10:00Z'))).toEqual(t('2026-01-01T10:15:00Z'));
  });
});

describe('dueRun', () => {
  const every5 = parseSchedule('*/5 * * * *', undefined, 'spec.schedule');

  it.each([
    // since, now, due, next, skippedMissed
    ['2026-01-01T10:00:00Z', '2026-01-01T10:04:59Z', undefined, '2026-01-01T10:05:00Z', false],
    ['2026-01-01T10:00:00Z', '2026-01-01T10:05:00Z', '2026-01-01T10:05:00Z', '2026-01-01T10:10:00Z', false],
    ['2026-01-01T10:00:00Z', '2026-01-01T10:07:30Z', '2026-01-01T10:05:00Z', '2026-01-01T10:10:00Z', false],
    // three days down: one catch-up run (the latest tick), not 864
    ['2026-01-01T10:00:00Z', '2026-01-04T10:02:00Z', '2026-01-04T10:00:00Z', '2026-01-04T10:05:00Z', true],
    // created between ticks
    ['2026-01-01T10:02:13Z', '2026-01-01T10:05:01Z', '2026-01-01T10:05:00Z', '2026-01-01T10:10:00Z', false],
  ] as const)('since %s, now %s → due %s', (since, now, due, next, skipped) => {
    const r = dueRun(every5, t(since), t(now));
    expect(r.due).toEqual(due === undefined ? undefined : t(due));
    expect(r.next).toEqual(t(next));
    expect(r.skippedMissed).toBe(skipped);
  });

  it('the tick just run is not due again', () => {
    const r = dueRun(every5, t('2026-01-01T10:05:00Z'), t('2026-01-01T10:05:40Z'));
    expect(r.due).toBeUndefined();
    expect(r.next).toEqual(t('2026-01-01T10:10:00Z'));
  });
});
