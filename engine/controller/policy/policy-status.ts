/**
 * A BackupPolicy's status from its plan (pure): protected applications, schedule times,
 * conditions (`Ready`, `Failed` naming the field to fix), and what changed since the last
 * status, for Events. The reconciler patches only when something changed, so a status
 * write (which the watch sends back) does not loop.
 */
import type { BackupPolicyStatus, Condition } from '../../kube/api/v1alpha1/index.ts';
import { conditionsWith, rfc3339 } from '../../kube/api/v1alpha1/conditions.ts';
import type { PolicyPlan } from './plan-runs.ts';

export interface StatusInput {
  readonly previous: BackupPolicyStatus | undefined;
  readonly plan: PolicyPlan | undefined;
  readonly generation: number | undefined;
  readonly now: Date;
  readonly suspended: boolean;
  /** Latest completion of a backup of this policy whose retention has been applied. */
  readonly lastSuccessfulBackupTime?: Date | undefined;
  /** The Backups that completed at that time (used only with lastSuccessfulBackupTime). */
  readonly lastSuccessfulBackups?: readonly string[] | undefined;
  /** The policy itself is invalid (schema), e.g. `spec.retention.keepDaily: …`. */
  readonly invalid?: string | undefined;
  /** Retention failed (the message, already free of secrets). */
  readonly retentionError?: string | undefined;
}

function condition(
  existing: readonly Condition[] | undefined,
  type: Condition['type'],
  status: Condition['status'],
  reason: string,
  message: string,
  input: StatusInput,
): Condition[] {
  return conditionsWith(
    existing,
    {
      type,
      status,
      reason,
      message,
      ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    },
    input.now,
  );
}

function readiness(input: StatusInput): { ready: boolean; reason: string; message: string } {
  const { plan } = input;
  if (input.invalid) return { ready: false, reason: 'InvalidSpec', message: input.invalid };
  const scheduleError = plan?.errors[0];
  if (scheduleError) {
    return { ready: false, reason: 'InvalidSchedule', message: plan.errors.map((e) => e.message).join('; ') };
  }
  if (input.retentionError) return { ready: false, reason: 'RetentionFailed', message: input.retentionError };
  const count = plan?.protected.length ?? 0;
  const protects = `protects ${count} application${count === 1 ? '' : 's'}`;
  if (input.suspended) return { ready: true, reason: 'Suspended', message: `suspended; ${protects}` };
  const next = plan?.requeueAt ? `; next run at ${rfc3339(plan.requeueAt)}` : '';
  return { ready: true, reason: 'Scheduled', message: `${protects}${next}` };
}

/** The status the policy should have now. */
export function desiredStatus(input: StatusInput): BackupPolicyStatus {
  const prev = input.previous ?? {};
  const r = readiness(input);
  let conditions = condition(
    prev.conditions,
    'Ready',
    r.ready ? 'True' : 'False',
    r.reason,
    r.message,
    input,
  );
  conditions = r.ready
    ? condition(conditions, 'Failed', 'False', r.reason, 'no error', input)
    : condition(conditions, 'Failed', 'True', r.reason, r.message, input);
  const plan = input.plan;
  const time = (fresh: Date | undefined, old: string | undefined) => (fresh ? rfc3339(fresh) : old);
  const lastScheduleTime = time(plan?.lastScheduleTime, prev.lastScheduleTime);
  const lastDrillTime = time(plan?.lastDrillTime, prev.lastDrillTime);
  const lastSuccessfulBackupTime = time(input.lastSuccessfulBackupTime, prev.lastSuccessfulBackupTime);
  const lastSuccessfulBackups = input.lastSuccessfulBackupTime
    ? [...(input.lastSuccessfulBackups ?? [])]
    : prev.lastSuccessfulBackups;
  return {
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    conditions,
    ...(lastScheduleTime ? { lastScheduleTime } : {}),
    ...(lastSuccessfulBackupTime ? { lastSuccessfulBackupTime } : {}),
    ...(lastSuccessfulBackups?.length ? { lastSuccessfulBackups } : {}),
    ...(lastDrillTime ? { lastDrillTime } : {}),
    protected: plan
      ? plan.protected.map((p) => ({ application: p.application, workloads: [...p.workloads] }))
      : (prev.protected ?? []),
  };
}

/** True when `next` differs from `previous` in anything the reconciler writes. */
export function statusChanged(previous: BackupPolicyStatus | undefined, next: BackupPolicyStatus): boolean {
  const pick = (s: BackupPolicyStatus | undefined) =>
    JSON.stringify([
      s?.observedGeneration,
      s?.lastScheduleTime,
      s?.lastSuccessfulBackupTime,
      s?.lastSuccessfulBackups ?? [],
      s?.lastDrillTime,
      s?.protected ?? [],
      (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration]),
    ]);
  return pick(previous) !== pick(next);
}

const describeApp = (p: { application: string; workloads: readonly string[] }) =>
  `${p.application} (${p.workloads.join(', ')})`;

/** Applications newly protected and no longer protected (or with other workloads), for an Event. */
export function protectionChange(
  previous: BackupPolicyStatus['protected'],
  next: BackupPolicyStatus['protected'],
): { added: string[]; removed: string[] } {
  const before = new Map((previous ?? []).map((p) => [describeApp(p), p]));
  const after = new Map((next ?? []).map((p) => [describeApp(p), p]));
  return {
    added: [...after.keys()].filter((k) => !before.has(k)),
    removed: [...before.keys()].filter((k) => !after.has(k)),
  };
}
