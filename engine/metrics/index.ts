/** Prometheus metrics: public surface. */
export {
  BACKUP_DURATION_BUCKETS,
  FREEZE_WINDOW_BUCKETS,
  createMetrics,
  type ActionKind,
  type ActionResult,
  type LifeboatMetrics,
  type MetricsOptions,
} from './definitions.ts';
export { bytesByDatabase, freezeWindowMs, type DatabaseBytes } from './backup-bytes.ts';
export {
  MetricsRecorder,
  type ActionRecorder,
  type ActionSubject,
  type BackupFinished,
  type DrillFinished,
  type FinishedAction,
  type RestoreFinished,
} from './recorder.ts';
export {
  APPLICATION_LABEL,
  backupApplication,
  newestPerApplication,
  seedLastSuccessful,
  successesFromBackups,
  successesFromRepository,
  type BackupResourceLike,
  type RepositoryEntryLike,
  type SuccessRecord,
} from './seed.ts';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './server.ts';
export { lastSuccessSeeder, type SeedOptions } from './seed-runnable.ts';
export { metricsObserver } from './controller-observer.ts';
