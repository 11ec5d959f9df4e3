/** BackupPolicy scheduling, annotation-driven protection and retention: public surface. */
export { createPolicyReconciler, type PolicyReconcilerOptions } from './reconciler.ts';
export { kubePolicyApi, type PolicyApi } from './policy-api.ts';
export {
  planPolicy,
  type ExistingRun,
  type PlanInput,
  type PolicyPlan,
  type PolicyView,
  type RunKind,
  type RunToCreate,
  type SkippedRun,
} from './plan-runs.ts';
export {
  PROTECT_ANNOTATION,
  protectedApplications,
  protectionReason,
  type CandidateApplication,
  type CandidateWorkload,
  type ProtectedApplication,
} from './protection.ts';
export { candidatesFromWorkloads, candidatesOf } from './candidates.ts';
export {
  APPLICATION_LABEL,
  POLICY_LABEL,
  SCHEDULED_FOR_LABEL,
  labelValue,
  runLabels,
  runName,
} from './names.ts';
export { dueRun, parseSchedule, ScheduleError, type DueRun, type Schedule } from './schedule.ts';
export { selectorMatches, type LabelSelector } from './label-selector.ts';
export {
  applyRetention,
  backupsPruned,
  hasRetention,
  newlySucceeded,
  retentionScope,
  type BackupRecord,
  type RetentionOutcome,
} from './retention.ts';
export { desiredStatus, protectionChange, statusChanged, type StatusInput } from './policy-status.ts';
