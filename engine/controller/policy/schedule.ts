/**
 * Cron schedules of a BackupPolicy (pure): parse a 5-field expression in a time zone and
 * decide which run, if any, is due. After downtime only the latest missed run is due
 * (one catch-up, never a burst), like a CronJob.
 */
import { Cron } from 'croner';
import { LifeboatError } from '../../errors.ts';

/** A schedule or time zone that cannot be parsed; `field` is the spec path to fix. */
export class ScheduleError extends LifeboatError {
  readonly field: string;
  constructor(field: string, message: string, cause?: unknown) {
    super(`${field}: ${message}`, cause === undefined ? {} : { cause });
    this.field = field;
  }
}

export interface Schedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first run strictly after `after`; undefined when the schedule never fires again. */
  next(after: Date): Date | undefined;
  /** The latest run at or before `at`. */
  latest(at: Date): Date | undefined;
}

function checkTimeZone(field: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch (error) {
    throw new ScheduleError(
      field,
      `unknown time zone "${timeZone}" (use an IANA name like Europe/Berlin)`,
      error,
    );
  }
}

/**
 * Parse `expression` (exactly five fields, day-of-month OR day-of-week as in cron) in
 * `timeZone` (IANA, default UTC). @throws ScheduleError naming `field` (or `timeZoneField`).
 */
export function parseSchedule(
  expression: string,
  timeZone: string | undefined,
  field: string,
  timeZoneField = 'spec.timeZone',
): Schedule {
  const zone = timeZone ?? 'UTC';
  checkTimeZone(timeZoneField, zone);
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), { timezone: zone, mode: '5-part', paused: true });
  } catch (error) {
    throw new ScheduleError(
      field,
      `invalid cron expression "${expression}": ${(error as Error).message}`,
      error,
    );
  }
  return {
    expression,
    timeZone: zone,
    next: (after) => cron.nextRun(after) ?? undefined,
    // previousRuns excludes its reference and works in whole seconds: start one second later.
    latest: (at) => cron.previousRuns(1, new Date(Math.floor(at.getTime() / 1000) * 1000 + 1000))[0],
  };
}

export interface DueRun {
  /** The run to start now (the latest one missed since `since`), if any. */
  readonly due: Date | undefined;
  /** Runs between `since` and `due` that are dropped (downtime): only the latest is caught up. */
  readonly skippedMissed: boolean;
  /** When to look again: the first run after `now`. */
  readonly next: Date | undefined;
}

/** Which run is due at `now`, given the last run started at `since` (or the policy's creation). */
export function dueRun(schedule: Schedule, since: Date, now: Date): DueRun {
  const first = schedule.next(since);
  if (!first || first.getTime() > now.getTime()) return { due: undefined, skippedMissed: false, next: first };
  const latest = schedule.latest(now) ?? first;
  return {
    due: latest,
    skippedMissed: latest.getTime() > first.getTime(),
    next: schedule.next(latest),
  };
}
