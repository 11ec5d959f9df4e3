/** The Lifeboat controller: public surface. */
export type {
  ActionFinished,
  ActionKind,
  ActionMember,
  ActionObserver,
  ActionProgress,
  ActionRef,
  ActionStarted,
} from './observer.ts';
export { combineObservers } from './observer.ts';
export type {
  ControllerContext,
  KubeObject,
  ObjectCache,
  ObjectKey,
  ReconcileContext,
  ReconcileResult,
  Reconciler,
  Runnable,
  Watch,
} from './types.ts';
export type { ControllerOptions, LeaderElectionOptions } from './options.ts';
export { RESOURCES, apiVersionOf, collectionPath, resourceName, type ResourceRef } from './resources.ts';
export type { EventRecorder, EventTarget } from './events.ts';
export { jsonLogger, silentLogger, type Logger, type LogFields, type LogLevel } from './logger.ts';
export { startController, type ControllerHandle } from './controller.ts';
export { openRepositoryOf } from './repository-access.ts';
export { ActionFailure } from './action-failure.ts';
