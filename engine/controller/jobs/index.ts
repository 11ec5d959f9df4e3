/** Job-mode execution of actions (`lifeboat controller --execution job`): public surface. */
export {
  ACTION_JOB_SELECTOR,
  ACTION_KIND_LABEL,
  ACTION_NAME_LABEL,
  ACTION_UID_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  actionJobName,
  buildActionJob,
  type ActionJobOptions,
  type ActionKind,
  type ActionRef,
} from './job-spec.ts';
export { finishedAt, jobsToDelete, type JobDeletion } from './cleanup.ts';
export {
  cleanupActionJobs,
  createJobCleanup,
  kubeJobApi,
  type JobApi,
  type JobCleanupOptions,
} from './job-api.ts';
export {
  decideJobMode,
  jobModeReconciler,
  jobModeReconcilers,
  type JobModeDecision,
  type JobModeOptions,
} from './job-mode.ts';
export {
  jobRunnerIdentity,
  runActionOnce,
  type RunActionOptions,
  type RunActionResult,
} from './run-action.ts';
