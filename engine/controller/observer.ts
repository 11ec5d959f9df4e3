/**
 * What the controller tells observers about the actions it runs (Backup, Restore, Drill).
 * The metrics module implements `ActionObserver`; the controller calls every observer in
 * order and ignores what they throw (an observer can never fail or stall an action).
 * Nothing here carries a secret: names, numbers and redacted messages only.
 */
import type { Manifest } from '../repository/index.ts';

/** The kinds of action the controller runs. */
export type ActionKind = 'Backup' | 'Restore' | 'Drill';

/** Which action an observation is about. */
export interface ActionRef {
  readonly kind: ActionKind;
  readonly namespace: string;
  /** The CR's name. */
  readonly name: string;
  /** The CR's uid (stable across renames of nothing; unique per object). */
  readonly uid: string;
  /**
   * Application the action concerns: for a Backup the discovered application, for a
   * Restore/Drill the backup's application (manifest `app`); undefined when the action
   * failed before it was known.
   */
  readonly application: string | undefined;
  /** The Repository CR's name (same namespace). */
  readonly repository: string;
  /** Cluster identity the controller runs in (`--cluster-name`, else kube-system's UID). */
  readonly cluster: string;
}

export interface ActionStarted extends ActionRef {
  /** When the controller claimed the action (status.phase became Running). */
  readonly startedAt: Date;
}

/** Throttled: at most about one per second per action. */
export interface ActionProgress extends ActionRef {
  /** Bytes moved so far (captured for a backup, restored for a restore/drill). */
  readonly bytes: number;
  readonly rows: number;
  readonly bytesPerSecond: number | undefined;
  readonly etaSeconds: number | undefined;
}

/** One database workload of the action, for per-database metrics. */
export interface ActionMember {
  /** Workload (member) name. */
  readonly name: string;
  /** `postgres`, `mysql`, `mongodb`, `cassandra`. */
  readonly engine: string;
  readonly databases: readonly string[];
  readonly bytes: number;
  /** Member outcome: `succeeded`, `failed`, `cancelled`, or `not run`. */
  readonly status: string;
}

export interface ActionFinished extends ActionRef {
  readonly result: 'Succeeded' | 'Failed';
  /** The Ready/Failed condition's reason, e.g. `BackupCompleted`, `RepositoryUnavailable`, `ControllerRestarted`. */
  readonly reason: string;
  /** Redacted, human-readable. */
  readonly message: string;
  readonly startedAt: Date;
  readonly completedAt: Date;
  readonly durationSeconds: number;
  /** Total bytes (captured for a backup, restored for a restore/drill). */
  readonly bytes: number;
  /** Backup: the write stall of the application-consistent cut, when one was taken. */
  readonly freezeWindowMs: number | undefined;
  /** Backup: the committed backup's id; Restore/Drill: the backup used. */
  readonly backupId: string | undefined;
  readonly members: readonly ActionMember[];
  /** Backup that succeeded: its committed manifest (bytes per database, cut window, completion time). */
  readonly manifest?: Manifest;
  /** Drill only. */
  readonly drill?: {
    readonly passed: boolean;
    /** The measured restore time of the application (RTO). */
    readonly recoverySeconds: number;
    /** Tables/collections whose fingerprint differs. */
    readonly differences: number;
  };
}

/**
 * Implement any subset. Calls are synchronous notifications on the controller's event
 * loop: keep them cheap (update counters), never block. `onActionFinished` is called
 * exactly once per action this controller ran or found orphaned (ControllerRestarted).
 */
export interface ActionObserver {
  onActionStarted?: (event: ActionStarted) => void;
  onProgress?: (event: ActionProgress) => void;
  onActionFinished?: (event: ActionFinished) => void;
}

/** Fan-out to several observers; one that throws is logged and skipped. */
export function combineObservers(
  observers: readonly ActionObserver[],
  onError: (error: unknown) => void = () => undefined,
): Required<ActionObserver> {
  const each =
    <E>(pick: (o: ActionObserver) => ((e: E) => void) | undefined) =>
    (event: E) => {
      for (const o of observers) {
        try {
          pick(o)?.(event);
        } catch (error) {
          onError(error);
        }
      }
    };
  return {
    onActionStarted: each((o) => o.onActionStarted),
    onProgress: each((o) => o.onProgress),
    onActionFinished: each((o) => o.onActionFinished),
  };
}
