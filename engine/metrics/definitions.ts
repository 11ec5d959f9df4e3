/**
 * Lifeboat's Prometheus metrics, on a registry of their own (never prom-client's global
 * one, so tests and embedders can hold several and nothing leaks between them).
 *
 * Labels are bounded by what users declare (namespaces, applications, database names,
 * action kinds, results); never backup ids, run ids or times.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Backups take seconds to hours: 1 s … 8 h. */
export const BACKUP_DURATION_BUCKETS = [
  1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800,
] as const;

/** A cut's write stall is meant to stay under 100 ms: 1 ms … 30 s. */
export const FREEZE_WINDOW_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

export type ActionKind = 'backup' | 'restore' | 'drill';
export type ActionResult = 'succeeded' | 'failed';

type AppLabels = 'namespace' | 'application';

export interface MetricsOptions {
  /** Also collect prom-client's default process metrics (CPU, memory, event loop, GC). @default true */
  readonly processMetrics?: boolean;
}

/** The metric handles, all registered on `registry`. */
export interface LifeboatMetrics {
  readonly registry: Registry;
  readonly backupTotal: Counter<AppLabels | 'result'>;
  readonly backupDuration: Histogram<AppLabels>;
  readonly backupBytes: Counter<AppLabels | 'database'>;
  readonly freezeWindow: Histogram<AppLabels>;
  readonly lastSuccessfulBackup: Gauge<AppLabels>;
  readonly restoreTotal: Counter<AppLabels | 'result'>;
  readonly drillSuccess: Gauge<AppLabels>;
  readonly drillRestoreSeconds: Gauge<AppLabels>;
  readonly actionsRunning: Gauge<'kind'>;
}

export function createMetrics(options: MetricsOptions = {}): LifeboatMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const app = ['namespace', 'application'] as const;
  const actionsRunning = new Gauge({
    name: 'lifeboat_actions_running',
    help: 'Backup, restore and drill actions this process is running now',
    labelNames: ['kind'] as const,
    registers,
  });
  // Present at 0 from the start, so "nothing running" is a value, not an absent series.
  for (const kind of ['backup', 'restore', 'drill'] satisfies ActionKind[]) actionsRunning.set({ kind }, 0);
  return {
    registry,
    backupTotal: new Counter({
      name: 'lifeboat_backup_total',
      help: 'Backups finished, by result (succeeded or failed)',
      labelNames: [...app, 'result'] as const,
      registers,
    }),
    backupDuration: new Histogram({
      name: 'lifeboat_backup_duration_seconds',
      help: 'Wall-clock duration of backups, start to manifest commit (or failure)',
      labelNames: app,
      buckets: [...BACKUP_DURATION_BUCKETS],
      registers,
    }),
    backupBytes: new Counter({
      name: 'lifeboat_backup_bytes_total',
      help: 'Bytes captured by successful backups (before dedup/compression), per database',
      labelNames: [...app, 'database'] as const,
      registers,
    }),
    freezeWindow: new Histogram({
      name: 'lifeboat_freeze_window_seconds',
      help: 'Write stall of an application-consistent cut: first fence taken to last released',
      labelNames: app,
      buckets: [...FREEZE_WINDOW_BUCKETS],
      registers,
    }),
    lastSuccessfulBackup: new Gauge({
      name: 'lifeboat_last_successful_backup_timestamp_seconds',
      help: 'Unix time at which the newest successful backup of the application completed',
      labelNames: app,
      registers,
    }),
    restoreTotal: new Counter({
      name: 'lifeboat_restore_total',
      help: 'Restores finished, by result (succeeded or failed)',
      labelNames: [...app, 'result'] as const,
      registers,
    }),
    drillSuccess: new Gauge({
      name: 'lifeboat_drill_success',
      help: 'Whether the newest drill of the application passed (1) or failed (0)',
      labelNames: app,
      registers,
    }),
    drillRestoreSeconds: new Gauge({
      name: 'lifeboat_drill_restore_seconds',
      help: 'Time the newest drill took to restore the backup into scratch (the measured RTO)',
      labelNames: app,
      registers,
    }),
    actionsRunning,
  };
}
