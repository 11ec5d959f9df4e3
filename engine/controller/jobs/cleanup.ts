/**
 * Which action Jobs to delete (pure): finished ones past their TTL, and those whose
 * action CR is gone (or was re-created: another uid). Kubernetes' TTL and garbage
 * collectors do the same where they run; doing it here too keeps a cluster without them
 * (or with the TTL controller off) from piling up Jobs, and removes a Job whose owner was
 * deleted before the garbage collector got to it.
 */
import type { V1Job } from '@kubernetes/client-node';
import { ACTION_KIND_LABEL, type ActionKind } from './job-spec.ts';

export interface JobDeletion {
  readonly namespace: string;
  readonly name: string;
  readonly reason: string;
}

/** When the Job finished (Complete or Failed), if it did. */
export function finishedAt(job: V1Job): Date | undefined {
  const done = (job.status?.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  if (job.status?.completionTime) return new Date(job.status.completionTime);
  if (done?.lastTransitionTime) return new Date(done.lastTransitionTime);
  return undefined;
}

const KINDS = new Set<string>(['Backup', 'Restore', 'Drill']);

/**
 * The Jobs to delete now. `ownerUid(kind, namespace, name)` is the uid of the action CR
 * as the controller sees it, undefined when it does not exist.
 */
export function jobsToDelete(
  jobs: readonly V1Job[],
  ownerUid: (kind: ActionKind, namespace: string, name: string) => string | undefined,
  now: Date,
): JobDeletion[] {
  const out: JobDeletion[] = [];
  for (const job of jobs) {
    const namespace = job.metadata?.namespace ?? '';
    const name = job.metadata?.name ?? '';
    if (job.metadata?.deletionTimestamp) continue;
    const owner = (job.metadata?.ownerReferences ?? []).find((o) => o.controller && KINDS.has(o.kind));
    const kind = owner?.kind ?? job.metadata?.labels?.[ACTION_KIND_LABEL];
    if (owner && kind && KINDS.has(kind)) {
      const uid = ownerUid(kind as ActionKind, namespace, owner.name);
      if (uid !== owner.uid) {
        out.push({ namespace, name, reason: `its ${kind} ${owner.name} no longer exists` });
        continue;
      }
    }
    const finished = finishedAt(job);
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (finished && ttl !== undefined && now.getTime() - finished.getTime() >= ttl * 1000) {
      out.push({
        namespace,
        name,
        reason: `finished ${Math.round((now.getTime() - finished.getTime()) / 1000)} s ago`,
      });
    }
  }
  return out;
}
