/**
 * Options of `startController`: public ones all optional with documented defaults, and
 * the compiled, fully resolved form the controller runs with.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from './logger.ts';
import type { ActionObserver } from './observer.ts';
import type { ActionJobOptions } from './jobs/index.ts';
import type { PolicyReconcilerOptions } from './policy/index.ts';
import type { ResourceRef } from './resources.ts';
import type { Reconciler, Runnable } from './types.ts';

export interface LeaderElectionOptions {
  /** Namespace of the Lease. @default the kubeconfig context's namespace, else `default` */
  readonly namespace?: string;
  /** @default `lifeboat-controller` */
  readonly leaseName?: string;
  /** How long a Lease is valid without renewal. @default 15000 */
  readonly leaseDurationMs?: number;
  /** A leader that cannot renew within this stops leading (< leaseDurationMs). @default 10000 */
  readonly renewDeadlineMs?: number;
  /** Between two acquire/renew attempts. @default 2000 */
  readonly retryPeriodMs?: number;
}

export interface ControllerOptions {
  /** @default loaded like kubectl (KUBECONFIG, ~/.kube/config, in-cluster) */
  readonly kubeConfig?: KubeConfig;
  /** Namespaces to watch; undefined or empty = all namespaces. */
  readonly namespaces?: readonly string[];
  /** @default `--cluster-name`/`LIFEBOAT_CLUSTER`, else kube-system's UID, else `default` */
  readonly clusterName?: string;
  /** Lease holder identity and `status.runner.identity`. @default `<hostname>-<random>` */
  readonly identity?: string;
  /** `false` acts at once without a Lease (one instance only). @default enabled */
  readonly leaderElection?: LeaderElectionOptions | false;
  /**
   * Reconcilers added to the built-in Backup/Restore/Drill ones (e.g. BackupPolicy
   * scheduling). Names must be unique.
   */
  readonly reconcilers?: readonly Reconciler[];
  /** Run while this instance leads (e.g. a metrics refresher that needs the cache). */
  readonly runnables?: readonly Runnable[];
  /** Resources to cache even though no reconciler declares them. */
  readonly extraWatches?: readonly ResourceRef[];
  readonly observers?: readonly ActionObserver[];
  /** BackupPolicy reconciler options (tests inject a clock); `false` leaves it out. @default {} */
  readonly policy?: Omit<PolicyReconcilerOptions, 'openRepository'> | false;
  /**
   * Where actions run: `in-process` (the default) in this process; `job`: each in a Job of
   * the same image (`lifeboat run-action`), this instance only creates, watches and cleans
   * up the Jobs (see `engine/controller/jobs/`).
   */
  readonly execution?:
    | { readonly mode: 'in-process' }
    | {
        readonly mode: 'job';
        readonly job: ActionJobOptions;
        /** How often a Pending/Running action's Job is checked. @default 15000 */
        readonly checkIntervalMs?: number;
        /** Between two passes deleting finished and orphaned Jobs. @default 60000 */
        readonly cleanupIntervalMs?: number;
      };
  /** Leave out the built-in Backup/Restore/Drill reconcilers (framework tests). @default false */
  readonly withoutBuiltinReconcilers?: boolean;
  /** Re-enqueue every cached object this often. @default 300000 (5 min) */
  readonly resyncMs?: number;
  /** Actions (Backup/Restore/Drill) run at once by this instance. @default 2 */
  readonly actionConcurrency?: number;
  /** Objects per list page. @default 500 */
  readonly pageSize?: number;
  /** Least time between two progress patches of one action's status. @default 1000 */
  readonly progressIntervalMs?: number;
  /** Extra blueprint files (same as `lifeboat backup --blueprint`). */
  readonly blueprintFiles?: readonly string[];
  /** @default JSON lines on stderr at `info` */
  readonly logger?: Logger;
}
