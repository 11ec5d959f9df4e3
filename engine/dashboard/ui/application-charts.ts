/** The application view's charts, built from its backups and drills (pure: data in, chart props out). */
import type { BackupView, DrillView } from '../api-types.ts';
import type { ChartProps } from './chart.ts';
import { bytes, duration, instant, ms } from './format.ts';

const BLUE = '#0b5cad';
const ORANGE = '#a3480a';
const GREEN = '#1d6b2f';
const MIB = 1024 * 1024;

const unix = (iso: string | null): number => (iso ? Date.parse(iso) / 1000 : Number.NaN);

export function durationAndSize(backups: readonly BackupView[]): ChartProps {
  const done = backups.filter((b) => b.phase === 'Succeeded' && b.startedAt !== null);
  const longest = Math.max(0, ...done.map((b) => b.durationSeconds ?? 0));
  return {
    id: 'chart-duration-size',
    title: 'Backup duration and size over time',
    summary:
      done.length === 0
        ? 'No completed backups yet.'
        : `${done.length} backups from ${instant(done[0]?.startedAt)} to ${instant(done.at(-1)?.startedAt)}; longest took ${duration(longest)}, the last captured ${bytes(done.at(-1)?.bytes)}.`,
    kind: 'time',
    x: done.map((b) => unix(b.startedAt)),
    series: [
      { label: 'Duration (s)', values: done.map((b) => b.durationSeconds), color: BLUE, axis: 'left' },
      {
        label: 'Size (MiB)',
        values: done.map((b) => (b.bytes === null ? null : b.bytes / MIB)),
        color: ORANGE,
        axis: 'right',
      },
    ],
    axisLabels: { left: 'seconds', right: 'MiB' },
    table: {
      head: ['Started', 'Duration', 'Size', 'Added to repository'],
      rows: done.map((b) => [
        instant(b.startedAt),
        duration(b.durationSeconds),
        bytes(b.bytes),
        bytes(b.storedBytes),
      ]),
    },
  };
}

/** A bin width of 1, 2 or 5 × 10^n ms giving at most `bins` bins. */
function binWidth(max: number, bins: number): number {
  const raw = Math.max(1, max / bins);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((w) => w >= raw) ?? raw * 10;
}

export function freezeDistribution(backups: readonly BackupView[]): ChartProps {
  const values = backups.map((b) => b.freezeWindowMs).filter((v): v is number => v !== null);
  const width = binWidth(Math.max(0, ...values), 5);
  const binCount = values.length === 0 ? 0 : Math.floor(Math.max(...values) / width) + 1;
  const counts = Array.from(
    { length: binCount },
    (_, i) => values.filter((v) => Math.floor(v / width) === i).length,
  );
  const categories = counts.map((_, i) => `${i * width}–${(i + 1) * width}`);
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return {
    id: 'chart-freeze',
    title: 'Freeze-window distribution',
    summary:
      values.length === 0
        ? 'No backup of this application fenced writes (no cross-database cut).'
        : `${values.length} cuts; writes were frozen ${ms(sorted[0])} at least, ${ms(median)} median, ${ms(sorted.at(-1))} at most.`,
    kind: 'bars',
    x: counts.map((_, i) => i),
    categories,
    series: [{ label: 'Backups', values: counts, color: BLUE, axis: 'left' }],
    axisLabels: { left: 'backups', x: 'freeze window (ms)' },
    table: {
      head: ['Freeze window', 'Backups'],
      rows: counts.map((c, i) => [`${categories[i] ?? ''} ms`, String(c)]),
    },
  };
}

export function drillRecovery(drills: readonly DrillView[]): ChartProps {
  const done = drills.filter((d) => d.recoverySeconds !== null);
  const last = done.at(-1);
  return {
    id: 'chart-drill',
    title: 'Drill recovery time trend',
    summary:
      last === undefined
        ? 'No drill has run yet.'
        : `${done.length} drills; the last (${instant(last.at)}) ${last.passed ? 'passed' : 'failed'} and restored in ${duration(last.recoverySeconds)}.`,
    kind: 'time',
    x: done.map((d) => unix(d.at)),
    series: [
      { label: 'Recovery time (s)', values: done.map((d) => d.recoverySeconds), color: GREEN, axis: 'left' },
    ],
    axisLabels: { left: 'seconds' },
    table: {
      head: ['Drill', 'Result', 'Recovery time'],
      rows: done.map((d) => [instant(d.at), d.passed ? 'passed' : 'failed', duration(d.recoverySeconds)]),
    },
  };
}
