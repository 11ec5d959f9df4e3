/**
 * The BackupPolicy reconciler: reads the policy, its namespace, the namespace's
 * StatefulSets/Deployments and the Backup/Drill CRs from the informer caches (no request
 * per object), plans (plan-runs.ts), creates the due runs, applies retention after a
 * backup of the policy succeeded, patches the status when it changed, records Events on
 * the policy, and asks to be called again at the next schedule tick.
 */
import type { V1Deployment, V1Namespace, V1StatefulSet } from '@kubernetes/client-node';
import {
  CustomResourceError,
  parseBackupPolicy,
  type BackupPolicyObject,
  type BackupPolicyStatus,
} from '../../kube/api/v1alpha1/index.ts';
import { rfc3339 } from '../../kube/api/v1alpha1/conditions.ts';
import type { Repository } from '../../repository/index.ts';
import {
  collectVolumeSnapshots,
  volumeSnapshotApi,
  type VolumeSnapshotApi,
} from '../../kube/volume-snapshots/index.ts';
import { RESOURCES } from '../resources.ts';
import type {
  ControllerContext,
  KubeObject,
  ObjectKey,
  ReconcileContext,
  ReconcileResult,
  Reconciler,
} from '../types.ts';
import { candidatesFromWorkloads } from './candidates.ts';
import { labelValue, POLICY_LABEL } from './names.ts';
import { planPolicy, type ExistingRun, type PolicyPlan, type RunKind } from './plan-runs.ts';
import { kubePolicyApi, type PolicyApi } from './policy-api.ts';
import { desiredStatus, protectionChange, statusChanged } from './policy-status.ts';
import { applyRetention, hasRetention, newlySucceeded, type BackupRecord } from './retention.ts';

export interface PolicyReconcilerOptions {
  /**
   * The controller's clock. Production uses real time; tests inject one they can move
   * forward instead of waiting for real schedule ticks. @default () => new Date()
   */
  readonly clock?: () => Date;
  /**
   * Longest wait before a policy is looked at again, whatever its schedule says (a clock
   * that jumped, a watch event lost). @default 300000 (5 minutes)
   */
  readonly maxRequeueMs?: number;
  /**
   * Opens Repository CR `name` of `namespace` (for retention). Without it, retention is
   * not applied and the policy says so in an Event.
   */
  readonly openRepository?: (ctx: ControllerContext, namespace: string, name: string) => Promise<Repository>;
  /** @default the API through `ctx.kubeConfig` */
  readonly api?: PolicyApi;
  /** VolumeSnapshots, for collecting freeze-snapshot backups' snapshots. @default through `ctx.kubeConfig` */
  readonly volumeSnapshots?: (ctx: ControllerContext) => VolumeSnapshotApi;
}

interface PolicyLike extends KubeObject {
  status?: BackupPolicyStatus;
}

interface ActionLike extends KubeObject {
  status?: { phase?: string; backupId?: string; completedAt?: string };
}

function policiesOfNamespace(ctx: ControllerContext, namespace: string): ObjectKey[] {
  return ctx
    .cache(RESOURCES.backupPolicies)
    .list(namespace)
    .map((p) => ({ namespace, name: p.metadata?.name ?? '' }));
}

/** Runs of a policy map back to it through their policy label (a hashed value for long names). */
function policyOfRun(object: KubeObject, ctx: ControllerContext): ObjectKey[] {
  const namespace = object.metadata?.namespace ?? '';
  const label = object.metadata?.labels?.[POLICY_LABEL];
  if (!label) return [];
  return policiesOfNamespace(ctx, namespace).filter((k) => labelValue(k.name) === label);
}

function existingRuns(
  ctx: ControllerContext,
  namespace: string,
): { runs: ExistingRun[]; backups: BackupRecord[] } {
  const runs: ExistingRun[] = [];
  const backups: BackupRecord[] = [];
  const add = (kind: RunKind, o: ActionLike) => {
    const labels = o.metadata?.labels ?? {};
    const name = o.metadata?.name ?? '';
    runs.push({ kind, name, labels, phase: o.status?.phase });
    if (kind === 'Backup') {
      backups.push({
        name,
        labels,
        phase: o.status?.phase,
        backupId: o.status?.backupId,
        completedAt: o.status?.completedAt,
      });
    }
  };
  for (const o of ctx.cache<ActionLike>(RESOURCES.backups).list(namespace)) add('Backup', o);
  for (const o of ctx.cache<ActionLike>(RESOURCES.drills).list(namespace)) add('Drill', o);
  return { runs, backups };
}

/**
 * After retention of a freeze-snapshot policy: delete the namespace's VolumeSnapshots of
 * this repository whose backups are gone (pruned) or never committed. A failure here is
 * reported and retried after the next backup; it never undoes the retention.
 */
async function collectSnapshotsWith(
  api: VolumeSnapshotApi,
  repository: Repository,
  namespace: string,
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => Promise<unknown>,
): Promise<void> {
  try {
    const report = await collectVolumeSnapshots(api, repository, { namespace });
    if (report.remove.length > 0) {
      await event(
        'Normal',
        'VolumeSnapshotsCollected',
        `deleted ${report.remove.length} VolumeSnapshot(s) of pruned or uncommitted backups: ` +
          report.remove.map((r) => `${r.name} (backup ${r.backupId})`).join(', '),
      );
    }
  } catch (error) {
    await event(
      'Warning',
      'VolumeSnapshotCleanupFailed',
      `VolumeSnapshot cleanup failed: ${describeError(error)}`,
    );
  }
}

// Repository and API errors are built without secrets (engine/errors.ts, kube-client.ts).
function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The BackupPolicy reconciler, to plug into `startController({ reconcilers })`. */
export function createPolicyReconciler(options: PolicyReconcilerOptions = {}): Reconciler {
  const clock = options.clock ?? (() => new Date());
  const maxRequeueMs = options.maxRequeueMs ?? 300_000;
  let api = options.api;
  let snapshots: VolumeSnapshotApi | undefined;
  const collectSnapshots = (
    repository: Repository,
    namespace: string,
    event: (type: 'Normal' | 'Warning', reason: string, message: string) => Promise<unknown>,
    ctx: ControllerContext,
  ) => {
    snapshots ??= options.volumeSnapshots?.(ctx) ?? volumeSnapshotApi(ctx.kubeConfig);
    return collectSnapshotsWith(snapshots, repository, namespace, event);
  };
  const toNamespace = (o: KubeObject, ctx: ControllerContext) =>
    policiesOfNamespace(ctx, o.metadata?.name ?? '');
  const toPolicies = (o: KubeObject, ctx: ControllerContext) =>
    policiesOfNamespace(ctx, o.metadata?.namespace ?? '');

  return {
    name: 'backuppolicy',
    resource: RESOURCES.backupPolicies,
    watches: [
      { resource: RESOURCES.namespaces, map: toNamespace },
      { resource: RESOURCES.statefulSets, map: toPolicies },
      { resource: RESOURCES.deployments, map: toPolicies },
      { resource: RESOURCES.backups, map: policyOfRun },
      { resource: RESOURCES.drills, map: policyOfRun },
    ],
    async reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
      api ??= kubePolicyApi(ctx.kubeConfig);
      const raw = ctx.cache<PolicyLike>(RESOURCES.backupPolicies).get(key);
      if (!raw) return undefined; // deleted: the runs it created stay as the record of what ran
      const now = clock();
      const target = {
        apiVersion: raw.apiVersion ?? 'lifeboat.dev/v1alpha1',
        kind: 'BackupPolicy',
        namespace: key.namespace,
        name: key.name,
        ...(raw.metadata?.uid ? { uid: raw.metadata.uid } : {}),
      };
      const event = (type: 'Normal' | 'Warning', reason: string, message: string) =>
        ctx.events.record(target, type, reason, message);
      const previous = raw.status;
      const generation = raw.metadata?.generation;

      let policy: BackupPolicyObject;
      try {
        policy = parseBackupPolicy(raw);
      } catch (error) {
        if (!(error instanceof CustomResourceError)) throw error;
        const status = desiredStatus({
          previous,
          plan: undefined,
          generation,
          now,
          suspended: false,
          invalid: error.message,
        });
        if (statusChanged(previous, status)) {
          await api.patchPolicyStatus(key.namespace, key.name, { ...status });
          await event('Warning', 'InvalidSpec', error.message);
        }
        return undefined; // a spec change triggers the next reconcile
      }

      const namespace = ctx
        .cache<V1Namespace>(RESOURCES.namespaces)
        .get({ namespace: '', name: key.namespace });
      const candidates = candidatesFromWorkloads(
        ctx.cache<V1StatefulSet & KubeObject>(RESOURCES.statefulSets).list(key.namespace),
        ctx.cache<V1Deployment & KubeObject>(RESOURCES.deployments).list(key.namespace),
      );
      const { runs, backups } = existingRuns(ctx, key.namespace);
      const plan: PolicyPlan = planPolicy({
        policy: {
          name: key.name,
          namespace: key.namespace,
          createdAt: new Date(raw.metadata?.creationTimestamp ?? now),
          spec: policy.spec,
          status: policy.status ?? {},
        },
        now,
        namespaceAnnotations: namespace?.metadata?.annotations ?? {},
        applications: candidates,
        existing: runs,
      });

      for (const run of plan.create) {
        const result = await api.createRun(key.namespace, run);
        if (result === 'created') {
          await event(
            'Normal',
            `${run.kind}Scheduled`,
            `created ${run.kind} ${run.name} for application ${run.application} (scheduled for ${rfc3339(run.scheduledFor)})`,
          );
        }
      }
      for (const s of plan.skipped) {
        await event(
          'Warning',
          `${s.kind}Skipped`,
          `${s.kind} of application ${s.application} scheduled for ${rfc3339(s.scheduledFor)} skipped: ${s.reason}`,
        );
      }
      for (const kind of plan.droppedMissed) {
        await event(
          'Warning',
          'MissedSchedules',
          `several ${kind} runs were missed (controller down?); only the latest one was started`,
        );
      }

      // Retention, once per newly succeeded backup of this policy.
      const since = previous?.lastSuccessfulBackupTime
        ? new Date(previous.lastSuccessfulBackupTime)
        : undefined;
      const fresh = newlySucceeded(backups, key.name, since, previous?.lastSuccessfulBackups);
      let retentionError: string | undefined;
      let lastSuccess = fresh.latest;
      if (fresh.latest && hasRetention(policy.spec.retention)) {
        if (!options.openRepository) {
          await event(
            'Warning',
            'RetentionNotApplied',
            'this controller cannot open repositories for retention',
          );
        } else {
          try {
            const repository = await options.openRepository(ctx, key.namespace, policy.spec.repository);
            for (const application of fresh.applications) {
              const outcome = await applyRetention(
                repository,
                policy.spec.retention,
                backups,
                key.name,
                application,
                now,
              );
              if (!outcome) continue;
              for (const name of outcome.deleteBackups) await api.deleteBackup(key.namespace, name);
              const { report } = outcome;
              await event(
                'Normal',
                'RetentionApplied',
                `application ${application}: kept ${report.kept.length}, removed ${report.removed.length} backup(s)` +
                  (report.removed.length > 0 ? ` (${report.removed.join(', ')})` : '') +
                  (report.retained.length > 0 ? `, ${report.retained.length} still object-locked` : '') +
                  (report.packsRepacked > 0
                    ? `, ${report.packsRepacked} pack(s) rewritten without unused chunks`
                    : '') +
                  (report.deferredReason ? `; pack cleanup deferred: ${report.deferredReason}` : ''),
              );
              for (const warning of report.repackWarnings)
                await event('Warning', 'PackNotRewritten', warning);
            }
            if (policy.spec.strategy === 'freeze-snapshot') {
              await collectSnapshots(repository, key.namespace, event, ctx);
            }
          } catch (error) {
            // Retried on the next reconcile: lastSuccessfulBackupTime does not move.
            retentionError = `retention failed: ${describeError(error)}`;
            lastSuccess = undefined;
            await event('Warning', 'RetentionFailed', retentionError);
          }
        }
      }

      const status = desiredStatus({
        previous,
        plan,
        generation,
        now,
        suspended: policy.spec.suspend ?? false,
        lastSuccessfulBackupTime: lastSuccess,
        lastSuccessfulBackups: fresh.atLatest,
        retentionError,
      });
      if (statusChanged(previous, status)) {
        await api.patchPolicyStatus(key.namespace, key.name, { ...status });
        const change = protectionChange(previous?.protected, status.protected);
        if (change.added.length > 0 || change.removed.length > 0) {
          const parts = [
            change.added.length > 0 ? `now protects ${change.added.join(', ')}` : '',
            change.removed.length > 0 ? `no longer protects ${change.removed.join(', ')}` : '',
          ].filter(Boolean);
          await event('Normal', 'ProtectionChanged', parts.join('; '));
        }
        for (const e of plan.errors) {
          if (previous?.conditions?.some((c) => c.type === 'Failed' && c.message.includes(e.message)))
            continue;
          await event('Warning', 'InvalidSchedule', e.message);
        }
      }

      const waits = [maxRequeueMs];
      if (plan.requeueAt) waits.push(Math.max(1000, plan.requeueAt.getTime() - now.getTime()));
      if (retentionError) waits.push(60_000);
      return { requeueAfterMs: Math.min(...waits) };
    },
  };
}
