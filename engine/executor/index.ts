export { execute, type ExecuteOptions } from './execute.ts';
export { cancelOnSignals } from './cancel-on-signals.ts';
export { backoffDelay, type BackoffOptions } from './backoff.ts';
export { PhaseError } from './phase-error.ts';
export { captureSummary, type CaptureSummary } from './capture-summary.ts';
export type { ArtifactFactory } from './run-member.ts';
export type * from './events.ts';
export type * from './results.ts';
