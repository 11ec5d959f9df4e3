/**
 * The JSON the dashboard API returns, shared by the backend and the browser bundle (types
 * only, no imports: the UI compiles this file with the DOM library, the backend with Node's).
 * Both data sources (a repository, a cluster) fill the same shapes; a field a source cannot
 * know is `null`, never invented.
 */

export type DashboardMode = 'repository' | 'cluster';

export interface DashboardInfo {
  readonly mode: DashboardMode;
  readonly version: string;
  /** Repository mode: the repository's location (no credentials). */
  readonly repository: string | null;
  /** Cluster mode: actions are offered; the API server decides whether the caller may run them. */
  readonly actions: boolean;
  /** Cluster mode: requests need `Authorization: Bearer <token>` (the caller's own identity). */
  readonly needsToken: boolean;
}

/** protected: some policy (or, in a repository, some backup) covers it; failing: its last backup or drill failed. */
export type ProtectionStatus = 'protected' | 'unprotected' | 'failing';

export interface LastBackup {
  readonly id: string;
  readonly completedAt: string | null;
  readonly phase: ActionPhase;
  readonly bytes: number | null;
}

export interface LastDrill {
  readonly at: string;
  readonly passed: boolean;
  readonly recoverySeconds: number | null;
  readonly backupId: string | null;
}

export interface Rpo {
  /** Seconds since the last successful backup completed; null when there is none. */
  readonly actualSeconds: number | null;
  /** The interval the policy's schedule promises; null without a policy. */
  readonly policySeconds: number | null;
}

export interface ApplicationSummary {
  /** Kubernetes namespace; in repository mode the `namespace` label of the backups, else null. */
  readonly namespace: string | null;
  readonly name: string;
  readonly status: ProtectionStatus;
  /** Why the status is what it is, in a few words. */
  readonly reason: string;
  readonly policy: string | null;
  readonly repository: string | null;
  readonly members: readonly string[];
  readonly lastBackup: LastBackup | null;
  readonly lastDrill: LastDrill | null;
  readonly rpo: Rpo;
}

export interface MemberView {
  readonly name: string;
  readonly engine: string | null;
  readonly strategy: string | null;
  /** The consistency guarantee recorded for the member in its last backup. */
  readonly guarantee: string | null;
  readonly databases: readonly string[];
}

export type ActionPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface BackupView {
  readonly id: string;
  readonly phase: ActionPhase;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly durationSeconds: number | null;
  /** Logical bytes captured. */
  readonly bytes: number | null;
  /** Bytes newly written to the repository (after dedup, compression, encryption); null when unknown. */
  readonly storedBytes: number | null;
  /** Write stall of the consistent cut (first fence taken → last released); null without a cut. */
  readonly freezeWindowMs: number | null;
  readonly message: string | null;
}

/** One side of a differing table; a repository's report has the fingerprint hash, a Drill's status only rows. */
export interface TableSide {
  readonly rows: number;
  readonly hash?: string;
}

export interface TableDifference {
  readonly member: string;
  /** Qualified as captured: `database.schema.table`, `database.table`. */
  readonly table: string;
  readonly expected: TableSide | null;
  readonly actual: TableSide | null;
}

export interface DrillView {
  readonly id: string;
  readonly backupId: string | null;
  readonly at: string;
  readonly phase: ActionPhase;
  readonly passed: boolean | null;
  readonly recoverySeconds: number | null;
  /**
   * Number of tables that differ; can exceed `differences.length` in cluster mode, whose
   * Drill status lists at most 50 tables.
   */
  readonly differenceCount: number | null;
  readonly differences: readonly TableDifference[];
  readonly message: string | null;
}

export interface ApplicationDetail extends ApplicationSummary {
  readonly consistency: string | null;
  readonly memberDetails: readonly MemberView[];
  /** Oldest first. */
  readonly backups: readonly BackupView[];
  /** Oldest first. */
  readonly drills: readonly DrillView[];
}

export interface ActionProgress {
  readonly bytes: number;
  readonly rows: number | null;
  readonly bytesPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly updatedAt: string | null;
}

export interface RunningAction {
  readonly kind: 'Backup' | 'Restore' | 'Drill';
  readonly namespace: string | null;
  readonly name: string;
  readonly application: string | null;
  readonly phase: ActionPhase;
  readonly startedAt: string | null;
  readonly progress: ActionProgress | null;
  readonly message: string | null;
}

export interface RepositoryView {
  readonly namespace: string | null;
  readonly name: string;
  /** Location without credentials. */
  readonly url: string;
  readonly backups: number;
  /** Logical bytes of every backup. */
  readonly logicalBytes: number | null;
  /** Bytes the repository holds. */
  readonly storedBytes: number | null;
  /** Logical bytes / unique chunk bytes (how much deduplication saves); null when unknown. */
  readonly dedupRatio: number | null;
  readonly encrypted: boolean | null;
  readonly immutability: { readonly mode: string; readonly days: number } | null;
}

export interface LintProblem {
  readonly path: string;
  readonly line: number | null;
  readonly message: string;
}

export interface BlueprintView {
  readonly namespace: string | null;
  readonly name: string;
  readonly engine: string | null;
  /** `built-in`, a file, or `Blueprint CR`. */
  readonly source: string;
  readonly actions: readonly string[];
  readonly lint: readonly LintProblem[];
}

/** An error body: what failed, with the HTTP status the API server (or the dashboard) gave. */
export interface ApiErrorBody {
  readonly error: string;
  readonly status: number;
}

/** What `POST …/backups|drills|restores` returns: the created custom resource, in brief. */
export interface CreatedAction {
  readonly kind: 'Backup' | 'Restore' | 'Drill';
  readonly namespace: string;
  readonly name: string;
}

export interface RestoreRequestBody {
  readonly backupId: string;
  readonly targetNamespace: string;
}
