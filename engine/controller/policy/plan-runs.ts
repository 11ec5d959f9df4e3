/**
 * What a BackupPolicy must do now (pure): which applications it protects, which Backup
 * and Drill CRs to create, what its status becomes and when to look again. Inputs are
 * plain data (policy, clock, discovered applications, annotations, existing CRs); the
 * reconciler does the API calls.
 *
 * Rules:
 * - one run per schedule tick and protected application, named
 *   `<policy>-<application>-<yyyymmddhhmm>` (see names.ts), so repeating the plan never
 *   duplicates a run;
 * - after downtime only the latest missed tick runs (one catch-up, never a burst);
 * - a tick is skipped for an application whose previous run of the same kind is still
 *   Pending/Running (backups of one application never pile up);
 * - a drill is scheduled only for an application with a succeeded backup of this policy;
 * - `suspend` creates nothing but still reports what is protected;
 * - an invalid schedule or time zone creates nothing of that kind and is reported with
 *   the field to fix.
 */
import type { LabelSelector } from './label-selector.ts';
import { APPLICATION_LABEL, labelValue, POLICY_LABEL, runLabels, runName } from './names.ts';
import { protectedApplications, type CandidateApplication, type ProtectedApplication } from './protection.ts';
import { dueRun, parseSchedule, ScheduleError } from './schedule.ts';

export type RunKind = 'Backup' | 'Drill';

/** The parts of a BackupPolicy the plan reads. */
export interface PolicyView {
  readonly name: string;
  readonly namespace: string;
  /** Schedules count from here until the first run. */
  readonly createdAt: Date;
  readonly spec: {
    readonly repository: string;
    readonly selector?: LabelSelector | undefined;
    readonly schedule: string;
    readonly timeZone?: string | undefined;
    readonly strategy?: string | undefined;
    readonly snapshotClass?: string | undefined;
    readonly consistency?: string | undefined;
    readonly drill?: { readonly schedule: string } | undefined;
    readonly suspend?: boolean | undefined;
  };
  readonly status?: {
    readonly lastScheduleTime?: string | undefined;
    readonly lastDrillTime?: string | undefined;
  };
}

/** A Backup or Drill CR that exists in the policy's namespace. */
export interface ExistingRun {
  readonly kind: RunKind;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `status.phase`; undefined until a reconciler picked it up. */
  readonly phase?: string | undefined;
}

export interface RunToCreate {
  readonly kind: RunKind;
  readonly name: string;
  readonly application: string;
  readonly scheduledFor: Date;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: Readonly<Record<string, unknown>>;
}

export interface SkippedRun {
  readonly kind: RunKind;
  readonly application: string;
  readonly scheduledFor: Date;
  readonly reason: string;
}

export interface PolicyPlan {
  readonly protected: readonly ProtectedApplication[];
  readonly create: readonly RunToCreate[];
  readonly skipped: readonly SkippedRun[];
  /** New `status.lastScheduleTime` (the tick that fired), when one fired. */
  readonly lastScheduleTime?: Date;
  /** New `status.lastDrillTime`, when a drill tick fired. */
  readonly lastDrillTime?: Date;
  /** Earliest next tick (backup or drill); undefined when nothing is scheduled. */
  readonly requeueAt?: Date;
  /** Ticks missed during downtime and dropped (only the latest ran), per kind. */
  readonly droppedMissed: readonly RunKind[];
  /** Invalid schedule or time zone: the policy's Failed condition names the field. */
  readonly errors: readonly ScheduleError[];
}

export interface PlanInput {
  readonly policy: PolicyView;
  readonly now: Date;
  readonly namespaceAnnotations: Readonly<Record<string, string>>;
  readonly applications: readonly CandidateApplication[];
  readonly existing: readonly ExistingRun[];
}

const ACTIVE_PHASES = new Set([undefined, '', 'Pending', 'Running']);

function runsOf(existing: readonly ExistingRun[], kind: RunKind, policy: string, application: string) {
  const p = labelValue(policy);
  const a = labelValue(application);
  return existing.filter(
    (e) => e.kind === kind && e.labels[POLICY_LABEL] === p && e.labels[APPLICATION_LABEL] === a,
  );
}

function runSpec(kind: RunKind, policy: PolicyView, app: ProtectedApplication): Record<string, unknown> {
  const { spec } = policy;
  if (kind === 'Drill') return { repository: spec.repository, application: app.application };
  return {
    repository: spec.repository,
    application: app.application,
    ...(app.whole ? {} : { workloads: [...app.workloads] }),
    policy: policy.name,
    ...(spec.strategy ? { strategy: spec.strategy } : {}),
    ...(spec.snapshotClass ? { snapshotClass: spec.snapshotClass } : {}),
    ...(spec.consistency ? { consistency: spec.consistency } : {}),
  };
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

interface KindPlan {
  create: RunToCreate[];
  skipped: SkippedRun[];
  fired?: Date;
  next?: Date;
  dropped: boolean;
}

function planKind(
  kind: RunKind,
  expression: string,
  field: string,
  since: Date,
  input: PlanInput,
  protectedApps: readonly ProtectedApplication[],
): KindPlan {
  const { policy, now, existing } = input;
  const schedule = parseSchedule(expression, policy.spec.timeZone, field);
  const { due, next, skippedMissed } = dueRun(schedule, since, now);
  const plan: KindPlan = { create: [], skipped: [], dropped: skippedMissed, ...(next ? { next } : {}) };
  if (!due || policy.spec.suspend) return plan;
  plan.fired = due;
  for (const app of protectedApps) {
    const previous = runsOf(existing, kind, policy.name, app.application);
    let name = runName(policy.name, app.application, due);
    const taken = existing.find((e) => e.kind === kind && e.name === name);
    if (taken && !previous.includes(taken)) name = runName(policy.name, app.application, due, true);
    if (existing.some((e) => e.kind === kind && e.name === name)) continue;
    const skip = (reason: string) =>
      plan.skipped.push({ kind, application: app.application, scheduledFor: due, reason });
    const active = previous.find((e) => ACTIVE_PHASES.has(e.phase));
    if (active) {
      skip(`${kind} ${active.name} is still ${active.phase ?? 'Pending'}`);
      continue;
    }
    if (kind === 'Drill') {
      const backups = runsOf(existing, 'Backup', policy.name, app.application);
      if (!backups.some((b) => b.phase === 'Succeeded')) {
        skip('no succeeded backup of this policy to drill yet');
        continue;
      }
    }
    plan.create.push({
      kind,
      name,
      application: app.application,
      scheduledFor: due,
      labels: runLabels(policy.name, app.application, due),
      spec: runSpec(kind, policy, app),
    });
  }
  return plan;
}

/** Plan one reconciliation of a BackupPolicy. Never throws for a bad schedule: see `errors`. */
export function planPolicy(input: PlanInput): PolicyPlan {
  const { policy } = input;
  const protectedApps = protectedApplications(
    { name: policy.name, selector: policy.spec.selector },
    input.namespaceAnnotations,
    input.applications,
  );
  const errors: ScheduleError[] = [];
  const kinds: [RunKind, string, string, Date][] = [
    [
      'Backup',
      policy.spec.schedule,
      'spec.schedule',
      parseDate(policy.status?.lastScheduleTime) ?? policy.createdAt,
    ],
  ];
  if (policy.spec.drill) {
    kinds.push([
      'Drill',
      policy.spec.drill.schedule,
      'spec.drill.schedule',
      parseDate(policy.status?.lastDrillTime) ?? policy.createdAt,
    ]);
  }
  const create: RunToCreate[] = [];
  const skipped: SkippedRun[] = [];
  const droppedMissed: RunKind[] = [];
  const fired: Partial<Record<RunKind, Date>> = {};
  const nexts: Date[] = [];
  for (const [kind, expression, field, since] of kinds) {
    let plan: KindPlan;
    try {
      plan = planKind(kind, expression, field, since, input, protectedApps);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      errors.push(error);
      continue;
    }
    create.push(...plan.create);
    skipped.push(...plan.skipped);
    if (plan.dropped && plan.fired) droppedMissed.push(kind);
    if (plan.fired) fired[kind] = plan.fired;
    if (plan.next && !policy.spec.suspend) nexts.push(plan.next);
  }
  const requeueAt = nexts.sort((a, b) => a.getTime() - b.getTime())[0];
  return {
    protected: protectedApps,
    create,
    skipped,
    ...(fired.Backup ? { lastScheduleTime: fired.Backup } : {}),
    ...(fired.Drill ? { lastDrillTime: fired.Drill } : {}),
    ...(requeueAt ? { requeueAt } : {}),
    droppedMissed,
    errors,
  };
}
