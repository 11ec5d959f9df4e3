/**
 * Cluster mode: every read and every action goes to the API server with the CALLER's
 * identity, never the controller's. The caller's bearer token (from the request's
 * `Authorization` header, e.g. a ServiceAccount token or an OIDC id token that an
 * authenticating proxy forwards) replaces whatever user the base configuration has; only
 * the API server's address and CA are taken from it. Kubernetes RBAC therefore decides what
 * each user sees and may start, and a refusal reaches the browser as the API server's 403.
 */
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { redactUrl } from '../redact.ts';
import { API_VERSION, GROUP, VERSION } from '../kube/api/v1alpha1/index.ts';
import { createKubeClient, discover, KubeError } from '../kube/index.ts';
import type {
  ApplicationDetail,
  ApplicationSummary,
  BlueprintView,
  CreatedAction,
  RepositoryView,
  RestoreRequestBody,
  RunningAction,
} from './api-types.ts';
import { blueprintResourceView } from './blueprint-views.ts';
import {
  APPLICATION_LABEL,
  applicationDetail,
  protectingPolicy,
  repositoryViewOf,
  runningActionsOf,
  type ApplicationFacts,
  type BackupObject,
  type ClusterState,
  type DrillObject,
  type PolicyObject,
  type RepositoryObject,
  type RestoreObject,
} from './cluster-views.ts';
import { DashboardHttpError } from './http-error.ts';
import { summaryOf } from './repository-views.ts';
import type { ActionSink, Caller, DashboardSource, Scope } from './source.ts';

export interface ClusterSourceOptions {
  /**
   * Where the API server is: its address and CA are used, its user credentials never.
   * @default the kubeconfig kubectl would use, else the in-cluster configuration
   */
  readonly kubeConfig?: KubeConfig;
  /** Clock, for the actual RPO. @default () => new Date() */
  readonly now?: () => Date;
}

type Plural = 'backuppolicies' | 'backups' | 'drills' | 'restores' | 'repositories' | 'blueprints';

interface ListResult<T> {
  items?: T[];
}

function apiFailure(what: string, error: unknown): Error {
  if (error instanceof KubeError)
    return new DashboardHttpError(error.status || 502, error.message, { cause: error });
  if (error instanceof ApiException) {
    const raw: unknown = error.body;
    let message = typeof raw === 'string' ? raw : JSON.stringify(raw);
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // not a Status object: keep the body
    }
    return new DashboardHttpError(error.code, `kubernetes: ${what}: ${message.slice(0, 400)}`, {
      cause: error,
    });
  }
  return new DashboardHttpError(502, `kubernetes: ${what}: ${(error as Error).message}`, { cause: error });
}

const where = (scope: Scope) => (scope.namespace ? `in namespace ${scope.namespace}` : 'in all namespaces');

/** A per-request view of the cluster with the caller's token. */
class CallerSession {
  readonly kc: KubeConfig;
  readonly #custom: CustomObjectsApi;

  constructor(base: KubeConfig, token: string) {
    const cluster = base.getCurrentCluster();
    if (!cluster) throw new DashboardHttpError(500, 'the dashboard has no Kubernetes cluster configured');
    this.kc = new KubeConfig();
    this.kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'caller', token }],
      contexts: [{ name: 'caller', cluster: cluster.name, user: 'caller' }],
      currentContext: 'caller',
    });
    this.#custom = this.kc.makeApiClient(CustomObjectsApi);
  }

  async list<T>(plural: Plural, scope: Scope): Promise<T[]> {
    try {
      const result = (
        scope.namespace
          ? await this.#custom.listNamespacedCustomObject({
              group: GROUP,
              version: VERSION,
              namespace: scope.namespace,
              plural,
            })
          : await this.#custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })
      ) as ListResult<T>;
      return result.items ?? [];
    } catch (error) {
      throw apiFailure(`list ${plural} ${where(scope)}`, error);
    }
  }

  async create(
    kind: CreatedAction['kind'],
    plural: Plural,
    namespace: string,
    body: object,
  ): Promise<CreatedAction> {
    try {
      const created = (await this.#custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural,
        body: { apiVersion: API_VERSION, kind, ...body },
      })) as { metadata?: { name?: string } };
      return { kind, namespace, name: created.metadata?.name ?? '' };
    } catch (error) {
      throw apiFailure(`create ${kind} in namespace ${namespace}`, error);
    }
  }

  /** Annotations of namespaces the caller may read; the others are left out (no error). */
  async namespaceAnnotations(names: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const out = new Map<string, Record<string, string>>();
    await Promise.all(
      names.map(async (name) => {
        try {
          out.set(name, (await core.readNamespace({ name })).metadata?.annotations ?? {});
        } catch {
          // a namespace user usually cannot read the Namespace object: only its annotation is missed
        }
      }),
    );
    return out;
  }

  async applications(scope: Scope): Promise<ApplicationFacts[]> {
    try {
      const found = await discover(createKubeClient({ kubeConfig: this.kc }), {
        ...(scope.namespace && { namespace: scope.namespace }),
        readSecrets: false,
      });
      return found.applications.map((a) => ({
        namespace: a.namespace,
        name: a.name,
        workloads: a.workloads.map((w) => ({
          name: w.workload.name,
          engine: w.workload.engine,
          databases: w.workload.databases,
          annotations: w.recognised.annotations,
          labels: (w.recognised as { labels?: Readonly<Record<string, string>> }).labels ?? {},
        })),
      }));
    } catch (error) {
      throw apiFailure(`discover workloads ${where(scope)}`, error);
    }
  }

  async state(scope: Scope): Promise<ClusterState> {
    const [applications, policies, backups, drills] = await Promise.all([
      this.applications(scope),
      this.list<PolicyObject>('backuppolicies', scope),
      this.list<BackupObject>('backups', scope),
      this.list<DrillObject>('drills', scope),
    ]);
    const namespaces = [...new Set(applications.map((a) => a.namespace))];
    return {
      applications,
      policies,
      backups,
      drills,
      namespaceAnnotations: await this.namespaceAnnotations(namespaces),
    };
  }
}

export class ClusterSource implements DashboardSource {
  readonly mode = 'cluster' as const;
  readonly location = null;
  readonly needsToken = true;
  readonly actions: ActionSink;
  readonly #base: KubeConfig;
  readonly #now: () => Date;

  constructor(options: ClusterSourceOptions = {}) {
    this.#base = options.kubeConfig ?? ClusterSource.#defaultConfig();
    this.#now = options.now ?? (() => new Date());
    this.actions = {
      createBackup: (caller, namespace, application) => this.#createBackup(caller, namespace, application),
      createDrill: (caller, namespace, application, backupId) =>
        this.#createDrill(caller, namespace, application, backupId),
      createRestore: (caller, namespace, application, request) =>
        this.#createRestore(caller, namespace, application, request),
    };
  }

  static #defaultConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    return kc;
  }

  #session(caller: Caller): CallerSession {
    if (!caller.token) throw new DashboardHttpError(401, 'a bearer token is required in cluster mode');
    return new CallerSession(this.#base, caller.token);
  }

  async applications(caller: Caller, scope: Scope): Promise<ApplicationSummary[]> {
    const state = await this.#session(caller).state(scope);
    const now = this.#now();
    return state.applications
      .map((app) => summaryOf(applicationDetail(app, state, now)))
      .sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
  }

  async application(caller: Caller, namespace: string | null, name: string): Promise<ApplicationDetail> {
    if (namespace === null)
      throw new DashboardHttpError(404, 'in cluster mode every application has a namespace');
    const state = await this.#session(caller).state({ namespace });
    const app = state.applications.find((a) => a.name === name);
    if (!app)
      throw new DashboardHttpError(404, `no application "${name}" discovered in namespace ${namespace}`);
    return applicationDetail(app, state, this.#now());
  }

  async runningActions(caller: Caller, scope: Scope): Promise<RunningAction[]> {
    const s = this.#session(caller);
    const [backups, restores, drills] = await Promise.all([
      s.list<BackupObject>('backups', scope),
      s.list<RestoreObject>('restores', scope),
      s.list<DrillObject>('drills', scope),
    ]);
    return runningActionsOf(backups, restores, drills);
  }

  async repositories(caller: Caller, scope: Scope): Promise<RepositoryView[]> {
    const s = this.#session(caller);
    const [repos, backups] = await Promise.all([
      s.list<RepositoryObject>('repositories', scope),
      s.list<BackupObject>('backups', scope),
    ]);
    return repos.map((r) => {
      const view = repositoryViewOf(r, backups);
      return { ...view, url: redactUrl(view.url) };
    });
  }

  async blueprints(caller: Caller, scope: Scope): Promise<BlueprintView[]> {
    const items = await this.#session(caller).list<{
      metadata?: { name?: string; namespace?: string };
      spec?: unknown;
    }>('blueprints', scope);
    return items.map(blueprintResourceView);
  }

  /** The repository an action on this application uses: its policy's, else the namespace's only one. */
  async #repositoryFor(
    s: CallerSession,
    namespace: string,
    application: string,
  ): Promise<{ repository: string; policy?: string }> {
    const state = await s.state({ namespace });
    const app = state.applications.find((a) => a.name === application);
    if (!app)
      throw new DashboardHttpError(
        404,
        `no application "${application}" discovered in namespace ${namespace}`,
      );
    const protection = protectingPolicy(app, state.policies, state.namespaceAnnotations.get(namespace));
    const fromPolicy = protection?.policy.spec?.repository;
    if (fromPolicy && protection.policy.metadata?.name)
      return { repository: fromPolicy, policy: protection.policy.metadata.name };
    const repos = await s.list<RepositoryObject>('repositories', { namespace });
    const only = repos.length === 1 ? repos[0]?.metadata?.name : undefined;
    if (only) return { repository: only };
    throw new DashboardHttpError(
      409,
      `application ${namespace}/${application}: no BackupPolicy protects it and the namespace has ${repos.length} Repositories; create the Backup with kubectl naming one`,
    );
  }

  #metadata(application: string, suffix: string) {
    // generateName keeps names unique; the label lets lists find the application's actions.
    const base = application
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40)
      .replace(/-+$/, '');
    return { generateName: `${base}-${suffix}-`, labels: { [APPLICATION_LABEL]: application } };
  }

  async #createBackup(caller: Caller, namespace: string, application: string): Promise<CreatedAction> {
    const s = this.#session(caller);
    const { repository, policy } = await this.#repositoryFor(s, namespace, application);
    return s.create('Backup', 'backups', namespace, {
      metadata: this.#metadata(application, 'manual'),
      spec: { repository, application, ...(policy && { policy }) },
    });
  }

  async #createDrill(
    caller: Caller,
    namespace: string,
    application: string,
    backupId: string | undefined,
  ): Promise<CreatedAction> {
    const s = this.#session(caller);
    const { repository } = await this.#repositoryFor(s, namespace, application);
    return s.create('Drill', 'drills', namespace, {
      metadata: this.#metadata(application, 'drill'),
      spec: { repository, application, ...(backupId && { backupId }) },
    });
  }

  async #createRestore(
    caller: Caller,
    namespace: string,
    application: string,
    request: RestoreRequestBody,
  ): Promise<CreatedAction> {
    if (
      !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(request.targetNamespace) ||
      request.targetNamespace.length > 63
    )
      throw new DashboardHttpError(400, `"${request.targetNamespace}" is not a valid namespace name`);
    const s = this.#session(caller);
    const { repository } = await this.#repositoryFor(s, namespace, application);
    return s.create('Restore', 'restores', namespace, {
      metadata: this.#metadata(application, 'restore'),
      spec: { repository, backupId: request.backupId, targetNamespace: request.targetNamespace },
    });
  }
}
