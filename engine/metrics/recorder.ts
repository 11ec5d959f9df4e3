/**
 * Turns what the controller does into metric updates: an action starting, an action
 * finishing. The controller (or any runner) calls it; the recorder never calls back, so
 * a metrics failure cannot change an action's outcome.
 */
import type { Manifest } from '../repository/index.ts';
import { bytesByDatabase, freezeWindowMs } from './backup-bytes.ts';
import type { ActionKind, ActionResult, LifeboatMetrics } from './definitions.ts';

/** Which application an action is about. */
export interface ActionSubject {
  readonly namespace: string;
  readonly application: string;
}

export interface BackupFinished extends ActionSubject {
  readonly kind: 'backup';
  readonly result: ActionResult;
  readonly durationSeconds: number;
  /** The committed manifest of a successful backup (bytes per database, freeze window, completion time). */
  readonly manifest?: Manifest;
}

export interface RestoreFinished extends ActionSubject {
  readonly kind: 'restore';
  readonly result: ActionResult;
  readonly durationSeconds: number;
}

export interface DrillFinished extends ActionSubject {
  readonly kind: 'drill';
  /** True only when the restore succeeded and every fingerprint matched. */
  readonly passed: boolean;
  /** Restore time of the drill (its RTO), when the restore got that far. */
  readonly restoreSeconds?: number;
}

export type FinishedAction = BackupFinished | RestoreFinished | DrillFinished;

/**
 * What the recorder takes from a runner of actions (the controller adapts its own
 * `ActionObserver` events to it: `controller-observer.ts`). `started` and `finished` come in
 * pairs for actions this process ran; `finished` alone is accepted for an action resumed
 * after a restart.
 */
export interface ActionRecorder {
  started(kind: ActionKind, subject: ActionSubject): void;
  finished(action: FinishedAction): void;
}

export class MetricsRecorder implements ActionRecorder {
  readonly #metrics: LifeboatMetrics;
  readonly #running = new Map<ActionKind, number>();
  /** Last-success time per application, to keep the gauge monotonic. */
  readonly #lastSuccess = new Map<string, number>();

  constructor(metrics: LifeboatMetrics) {
    this.#metrics = metrics;
  }

  started(kind: ActionKind, _subject: ActionSubject): void {
    this.#setRunning(kind, (this.#running.get(kind) ?? 0) + 1);
  }

  finished(action: FinishedAction): void {
    // Never below zero: an action resumed after a restart finishes without having started here.
    this.#setRunning(action.kind, Math.max(0, (this.#running.get(action.kind) ?? 0) - 1));
    const labels = { namespace: action.namespace, application: action.application };
    const m = this.#metrics;
    switch (action.kind) {
      case 'backup': {
        m.backupTotal.inc({ ...labels, result: action.result });
        m.backupDuration.observe(labels, action.durationSeconds);
        const manifest = action.result === 'succeeded' ? action.manifest : undefined;
        if (manifest) {
          for (const { database, bytes } of bytesByDatabase(manifest))
            m.backupBytes.inc({ ...labels, database }, bytes);
          const stall = freezeWindowMs(manifest);
          if (stall !== undefined) m.freezeWindow.observe(labels, stall / 1000);
          this.backupSucceededAt(labels, new Date(manifest.completedAt));
        }
        return;
      }
      case 'restore':
        m.restoreTotal.inc({ ...labels, result: action.result });
        return;
      case 'drill':
        m.drillSuccess.set(labels, action.passed ? 1 : 0);
        if (action.restoreSeconds !== undefined) m.drillRestoreSeconds.set(labels, action.restoreSeconds);
        return;
    }
  }

  /** Move the application's last-success time forward (never back: seeding may come late). */
  backupSucceededAt(subject: ActionSubject, at: Date): void {
    const labels = { namespace: subject.namespace, application: subject.application };
    const seconds = at.getTime() / 1000;
    if (!Number.isFinite(seconds)) return;
    const key = JSON.stringify([labels.namespace, labels.application]);
    const current = this.#lastSuccess.get(key);
    if (current !== undefined && current >= seconds) return;
    this.#lastSuccess.set(key, seconds);
    this.#metrics.lastSuccessfulBackup.set(labels, seconds);
  }

  #setRunning(kind: ActionKind, n: number): void {
    this.#running.set(kind, n);
    this.#metrics.actionsRunning.set({ kind }, n);
  }
}
