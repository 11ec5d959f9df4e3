/**
 * Cluster mode, pure part: discovered applications and the Lifeboat custom resources the
 * caller could read → the dashboard's views. Protection follows the contract: a policy
 * protects an application when its status lists it, when a workload or the namespace is
 * annotated `lifeboat.dev/protect: <policy>`, or when its selector matches a workload's
 * labels. Discovered applications no policy protects are "unprotected".
 */
import { Cron } from 'croner';
import type {
  BackupPolicySpec,
  BackupPolicyStatus,
  BackupSpec,
  BackupStatus,
  DrillSpec,
  DrillStatus,
  DrillTable,
  LabelSelector,
  RepositorySpec,
  RestoreSpec,
  RestoreStatus,
} from '../kube/api/v1alpha1/index.ts';
import type {
  ActionPhase,
  ApplicationDetail,
  BackupView,
  DrillView,
  MemberView,
  RepositoryView,
  RunningAction,
  TableDifference,
} from './api-types.ts';

export const PROTECT_ANNOTATION = 'lifeboat.dev/protect';
export const APPLICATION_LABEL = 'lifeboat.dev/application';

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string | Date;
}

/** A custom resource as read: spec as the CRD enforces it, status possibly partial. */
export interface Resource<Spec, Status> {
  readonly metadata?: ObjectMeta;
  readonly spec?: Partial<Spec>;
  readonly status?: Partial<Status>;
}

export type PolicyObject = Resource<BackupPolicySpec, BackupPolicyStatus>;
export type BackupObject = Resource<BackupSpec, BackupStatus>;
export type DrillObject = Resource<DrillSpec, DrillStatus>;
export type RestoreObject = Resource<RestoreSpec, RestoreStatus>;
export type RepositoryObject = Resource<RepositorySpec, { backups: number }>;

/** What the dashboard needs of a discovered workload (never its credentials). */
export interface WorkloadFacts {
  readonly name: string;
  readonly engine: string;
  readonly databases: readonly string[];
  readonly annotations: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ApplicationFacts {
  readonly namespace: string;
  readonly name: string;
  readonly workloads: readonly WorkloadFacts[];
}

export interface ClusterState {
  readonly applications: readonly ApplicationFacts[];
  readonly policies: readonly PolicyObject[];
  readonly backups: readonly BackupObject[];
  readonly drills: readonly DrillObject[];
  /** Annotations of the namespaces the caller could read (others are simply absent). */
  readonly namespaceAnnotations: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

const nsOf = (o: { metadata?: ObjectMeta }): string => o.metadata?.namespace ?? '';
const nameOf = (o: { metadata?: ObjectMeta }): string => o.metadata?.name ?? '';
const created = (o: { metadata?: ObjectMeta }): string => {
  const t = o.metadata?.creationTimestamp;
  return t instanceof Date ? t.toISOString() : (t ?? '');
};

export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return false;
  const { matchLabels = {}, matchExpressions = [] } = selector;
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return false;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const e of matchExpressions) {
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && (value === undefined || !values.includes(value))) return false;
    if (e.operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (e.operator === 'Exists' && value === undefined) return false;
    if (e.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

/** The policy that protects an application, and how; undefined when none does. */
export function protectingPolicy(
  app: ApplicationFacts,
  policies: readonly PolicyObject[],
  namespaceAnnotations: Readonly<Record<string, string>> | undefined,
): { policy: PolicyObject; how: string } | undefined {
  const here = policies.filter((p) => nsOf(p) === app.namespace);
  const byName = (name: string | undefined) => (name ? here.find((p) => nameOf(p) === name) : undefined);
  for (const p of here)
    if ((p.status?.protected ?? []).some((x) => x.application === app.name))
      return { policy: p, how: `protected by policy ${nameOf(p)}` };
  for (const w of app.workloads) {
    const p = byName(w.annotations[PROTECT_ANNOTATION]);
    if (p) return { policy: p, how: `workload ${w.name} is annotated for policy ${nameOf(p)}` };
  }
  const p = byName(namespaceAnnotations?.[PROTECT_ANNOTATION]);
  if (p) return { policy: p, how: `namespace is annotated for policy ${nameOf(p)}` };
  for (const q of here)
    if (app.workloads.some((w) => selectorMatches(q.spec?.selector, w.labels)))
      return { policy: q, how: `selected by policy ${nameOf(q)}` };
  return undefined;
}

/** Seconds between the next two runs of a cron schedule: what the policy promises as RPO. */
export function scheduleInterval(
  schedule: string | undefined,
  timeZone: string | undefined,
  now: Date,
): number | null {
  if (!schedule) return null;
  try {
    const runs = new Cron(schedule, timeZone ? { timezone: timeZone } : {}).nextRuns(2, now);
    const [a, b] = runs;
    return a && b ? (b.getTime() - a.getTime()) / 1000 : null;
  } catch {
    return null;
  }
}

const phaseOf = (status: { phase?: ActionPhase } | undefined): ActionPhase => status?.phase ?? 'Pending';

/**
 * An action names its application (spec or label); one that names none covers all database
 * workloads of its namespace, which is this application when it is the namespace's only one.
 */
function belongsTo(o: BackupObject | DrillObject, app: ApplicationFacts, aloneInNamespace: boolean): boolean {
  if (nsOf(o) !== app.namespace) return false;
  const named = o.spec?.application ?? o.metadata?.labels?.[APPLICATION_LABEL];
  return named === undefined ? aloneInNamespace : named === app.name;
}

export function backupViewOf(b: BackupObject): BackupView {
  const s = b.status ?? {};
  const started = s.startedAt ?? created(b);
  const duration =
    s.startedAt && s.completedAt ? (Date.parse(s.completedAt) - Date.parse(s.startedAt)) / 1000 : null;
  return {
    id: s.backupId ?? nameOf(b),
    phase: phaseOf(s),
    startedAt: started || null,
    completedAt: s.completedAt ?? null,
    durationSeconds: duration !== null && Number.isFinite(duration) ? duration : null,
    bytes: s.bytes ?? null,
    storedBytes: s.storedBytes ?? null,
    freezeWindowMs: s.freezeWindowMs ?? null,
    message: s.message ?? null,
  };
}

/** A Drill status's table, in the shape a repository's drill report gives (rows, no hash). */
function tableDifferenceOf(t: DrillTable): TableDifference {
  return {
    member: t.member,
    table: t.database === '' ? t.table : `${t.database}.${t.table}`,
    expected: t.expectedRows === undefined ? null : { rows: t.expectedRows },
    actual: t.actualRows === undefined ? null : { rows: t.actualRows },
  };
}

export function drillViewOf(d: DrillObject): DrillView {
  const s = d.status ?? {};
  return {
    id: nameOf(d),
    backupId: d.spec?.backupId ?? null,
    at: s.completedAt ?? s.startedAt ?? created(d),
    phase: phaseOf(s),
    passed: s.result === undefined ? null : s.result === 'Passed',
    recoverySeconds: s.recoverySeconds ?? null,
    differenceCount: s.differences ?? s.tables?.length ?? null,
    differences: (s.tables ?? []).map(tableDifferenceOf),
    message: s.message ?? null,
  };
}

const byTime = <T extends { startedAt?: string | null; at?: string }>(a: T, b: T): number =>
  (a.startedAt ?? a.at ?? '').localeCompare(b.startedAt ?? b.at ?? '');

function membersOf(app: ApplicationFacts, lastGood: BackupObject | undefined): MemberView[] {
  const recorded = new Map((lastGood?.status?.members ?? []).map((m) => [m.name, m]));
  return [...app.workloads]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((w) => ({
      name: w.name,
      engine: w.engine,
      strategy: recorded.get(w.name)?.strategy ?? w.annotations['lifeboat.dev/strategy'] ?? null,
      guarantee: recorded.get(w.name)?.guarantee ?? null,
      databases: w.databases,
    }));
}

export function applicationDetail(app: ApplicationFacts, state: ClusterState, now: Date): ApplicationDetail {
  const protection = protectingPolicy(app, state.policies, state.namespaceAnnotations.get(app.namespace));
  const alone = state.applications.filter((a) => a.namespace === app.namespace).length === 1;
  const backupObjects = state.backups.filter((b) => belongsTo(b, app, alone));
  const backups = backupObjects.map(backupViewOf).sort(byTime);
  const drills = state.drills
    .filter((d) => belongsTo(d, app, alone))
    .map(drillViewOf)
    .sort((a, b) => a.at.localeCompare(b.at));
  const lastGood = [...backups].reverse().find((b) => b.phase === 'Succeeded');
  const lastGoodObject = backupObjects.find((b) => backupViewOf(b).id === lastGood?.id);
  const last = backups.at(-1);
  const finishedDrills = drills.filter((d) => d.passed !== null);
  const lastDrill = finishedDrills.at(-1);
  const spec = protection?.policy.spec;
  let status: ApplicationDetail['status'] = protection ? 'protected' : 'unprotected';
  let reason = protection?.how ?? 'no BackupPolicy protects it';
  if (last?.phase === 'Failed') {
    status = 'failing';
    reason = `the last backup (${last.id}) failed${last.message ? `: ${last.message}` : ''}`;
  } else if (lastDrill && !lastDrill.passed) {
    status = 'failing';
    reason = `the last drill (${lastDrill.id}) failed`;
  }
  return {
    namespace: app.namespace,
    name: app.name,
    status,
    reason,
    policy: protection ? nameOf(protection.policy) : null,
    repository: spec?.repository ?? backupObjects.at(-1)?.spec?.repository ?? null,
    members: app.workloads.map((w) => w.name).sort(),
    lastBackup: last
      ? { id: last.id, completedAt: last.completedAt, phase: last.phase, bytes: last.bytes }
      : null,
    lastDrill: lastDrill
      ? {
          at: lastDrill.at,
          passed: lastDrill.passed === true,
          recoverySeconds: lastDrill.recoverySeconds,
          backupId: lastDrill.backupId,
        }
      : null,
    rpo: {
      actualSeconds: lastGood?.completedAt
        ? Math.max(0, (now.getTime() - Date.parse(lastGood.completedAt)) / 1000)
        : null,
      policySeconds: scheduleInterval(spec?.schedule, spec?.timeZone, now),
    },
    consistency: lastGoodObject?.spec?.consistency ?? spec?.consistency ?? null,
    memberDetails: membersOf(app, lastGoodObject),
    backups,
    drills,
  };
}

export function runningActionsOf(
  backups: readonly BackupObject[],
  restores: readonly RestoreObject[],
  drills: readonly DrillObject[],
): RunningAction[] {
  const running = (s: { phase?: ActionPhase } | undefined) => {
    const p = phaseOf(s);
    return p === 'Pending' || p === 'Running';
  };
  const base = (kind: RunningAction['kind'], o: BackupObject | RestoreObject | DrillObject) => ({
    kind,
    namespace: nsOf(o),
    name: nameOf(o),
    phase: phaseOf(o.status),
    startedAt: o.status?.startedAt ?? (created(o) || null),
    message: o.status?.message ?? null,
  });
  return [
    ...backups
      .filter((b) => running(b.status))
      .map((b) => {
        const p = b.status?.progress;
        return {
          ...base('Backup', b),
          application: b.spec?.application ?? b.metadata?.labels?.[APPLICATION_LABEL] ?? null,
          progress: p
            ? {
                bytes: p.bytes,
                rows: p.rows ?? null,
                bytesPerSecond: p.bytesPerSecond ?? null,
                etaSeconds: p.etaSeconds ?? null,
                updatedAt: p.updatedAt,
              }
            : null,
        };
      }),
    ...restores
      .filter((r) => running(r.status))
      .map((r) => ({ ...base('Restore', r), application: null, progress: null })),
    ...drills
      .filter((d) => running(d.status))
      .map((d) => ({ ...base('Drill', d), application: d.spec?.application ?? null, progress: null })),
  ].sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
}

/**
 * Repositories with what their Backups report. The cluster only knows each backup's
 * logical and newly stored bytes, so the ratio is logical / stored: what deduplication and
 * compression save together.
 */
export function repositoryViewOf(repo: RepositoryObject, backups: readonly BackupObject[]): RepositoryView {
  const mine = backups.filter(
    (b) => nsOf(b) === nsOf(repo) && b.spec?.repository === nameOf(repo) && b.status?.phase === 'Succeeded',
  );
  const logical = mine.reduce((n, b) => n + (b.status?.bytes ?? 0), 0);
  const stored = mine.reduce((n, b) => n + (b.status?.storedBytes ?? 0), 0);
  const lock = repo.spec?.objectLock;
  return {
    namespace: nsOf(repo),
    name: nameOf(repo),
    url: repo.spec?.url ?? '',
    backups: repo.status?.backups ?? mine.length,
    logicalBytes: mine.length > 0 ? logical : null,
    storedBytes: mine.length > 0 ? stored : null,
    dedupRatio: stored > 0 ? logical / stored : null,
    encrypted: repo.spec ? repo.spec.encryptionKeySecret !== undefined : null,
    immutability: lock ? { mode: lock.mode, days: lock.retainDays } : null,
  };
}
