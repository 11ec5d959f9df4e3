/**
 * GFS retention: which backups to keep. Pure. Rules apply per application; a backup
 * is kept when any rule selects it. Within a period (hour, day, ISO week, month,
 * year, all in UTC) the newest backup represents it; the newest N periods that have a
 * backup are kept (periods without backups do not count, as in restic/borg).
 */

export interface RetentionPolicy {
  readonly keepLast?: number;
  readonly keepHourly?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
}

export interface RetentionCandidate {
  readonly id: string;
  readonly app: string;
  readonly time: Date;
  /** Object-lock / explicit retention date: kept until then whatever the policy says. */
  readonly retainUntil?: Date;
}

export interface RetentionDecision {
  readonly keep: readonly string[];
  readonly remove: readonly string[];
  /** Why each kept backup is kept, e.g. `daily`, `last`, `locked`. */
  readonly reasons: Readonly<Record<string, readonly string[]>>;
}

/** True when the policy keeps nothing at all (refuse to prune with it). */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return !Object.values(policy).some((n) => typeof n === 'number' && n > 0);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function isoWeek(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${pad(week)}`;
}

const BUCKETS: readonly [keyof RetentionPolicy, string, (t: Date) => string][] = [
  ['keepHourly', 'hourly', (t) => t.toISOString().slice(0, 13)],
  ['keepDaily', 'daily', (t) => t.toISOString().slice(0, 10)],
  ['keepWeekly', 'weekly', isoWeek],
  ['keepMonthly', 'monthly', (t) => t.toISOString().slice(0, 7)],
  ['keepYearly', 'yearly', (t) => t.toISOString().slice(0, 4)],
];

/** Select what to keep and remove. `now` is used only for `retainUntil`. */
export function selectRetention(
  candidates: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  now: Date,
): RetentionDecision {
  const reasons: Record<string, string[]> = {};
  const mark = (id: string, why: string): void => {
    (reasons[id] ??= []).push(why);
  };
  const byApp = new Map<string, RetentionCandidate[]>();
  for (const c of candidates) {
    const list = byApp.get(c.app) ?? [];
    list.push(c);
    byApp.set(c.app, list);
  }
  for (const list of byApp.values()) {
    // newest first; ties broken by id so the result is deterministic
    list.sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1));
    list.slice(0, policy.keepLast ?? 0).forEach((c) => {
      mark(c.id, 'last');
    });
    for (const [field, label, period] of BUCKETS) {
      const limit = policy[field] ?? 0;
      if (limit <= 0) continue;
      const seen = new Set<string>();
      for (const c of list) {
        const p = period(c.time);
        if (seen.has(p)) continue;
        if (seen.size >= limit) break;
        seen.add(p);
        mark(c.id, label);
      }
    }
    for (const c of list) if (c.retainUntil && c.retainUntil.getTime() > now.getTime()) mark(c.id, 'locked');
  }
  const keep: string[] = [];
  const remove: string[] = [];
  for (const c of candidates) (reasons[c.id] ? keep : remove).push(c.id);
  return { keep, remove, reasons };
}
