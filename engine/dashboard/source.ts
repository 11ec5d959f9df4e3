/**
 * The one interface both data sources implement: a repository read without a cluster, or
 * the Kubernetes API read with the caller's own identity. The HTTP layer knows nothing else.
 */
import type {
  ApplicationDetail,
  ApplicationSummary,
  BlueprintView,
  CreatedAction,
  DashboardMode,
  RepositoryView,
  RestoreRequestBody,
  RunningAction,
} from './api-types.ts';

/** Who asks. In cluster mode the bearer token is forwarded to the API server as is. */
export interface Caller {
  readonly token: string | undefined;
}

/** Narrows a listing; sources that have no namespaces ignore it. */
export interface Scope {
  /** One namespace; every namespace the caller may list when undefined. */
  readonly namespace: string | undefined;
}

/** Actions a source can start; only cluster mode has them (they create custom resources). */
export interface ActionSink {
  createBackup(caller: Caller, namespace: string, application: string): Promise<CreatedAction>;
  createDrill(
    caller: Caller,
    namespace: string,
    application: string,
    backupId: string | undefined,
  ): Promise<CreatedAction>;
  createRestore(
    caller: Caller,
    namespace: string,
    application: string,
    request: RestoreRequestBody,
  ): Promise<CreatedAction>;
}

export interface DashboardSource {
  readonly mode: DashboardMode;
  /** Repository mode: where it reads (no credentials); null in cluster mode. */
  readonly location: string | null;
  /** Requests need a bearer token (cluster mode). */
  readonly needsToken: boolean;
  applications(caller: Caller, scope: Scope): Promise<ApplicationSummary[]>;
  /** @throws DashboardHttpError 404 when the application is unknown. */
  application(caller: Caller, namespace: string | null, name: string): Promise<ApplicationDetail>;
  /** Backups, restores and drills that are pending or running. */
  runningActions(caller: Caller, scope: Scope): Promise<RunningAction[]>;
  repositories(caller: Caller, scope: Scope): Promise<RepositoryView[]>;
  blueprints(caller: Caller, scope: Scope): Promise<BlueprintView[]>;
  /** Present only where actions exist (cluster mode). */
  readonly actions?: ActionSink;
}
