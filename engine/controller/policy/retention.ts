/**
 * A policy's retention: after one of its backups succeeds, apply its GFS rules to the
 * backups it made of that application, prune the repository, and delete the Backup CRs
 * whose backups were pruned.
 *
 * Scope: only backups this policy created (its succeeded Backup CRs with a backup id),
 * so manual backups, other policies' backups and other clusters' backups in the same
 * repository are never pruned by it. Prune itself is safe against concurrent backups
 * (locks, see engine/repository/prune.ts).
 */
import type { PruneReport, Repository } from '../../repository/index.ts';
import type { RetentionPolicy } from '../../repository/retention.ts';
import { APPLICATION_LABEL, labelValue, POLICY_LABEL } from './names.ts';

/** A Backup CR as retention reads it. */
export interface BackupRecord {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly phase?: string | undefined;
  readonly backupId?: string | undefined;
  readonly completedAt?: string | undefined;
}

function ofPolicy(b: BackupRecord, policy: string): boolean {
  return b.labels[POLICY_LABEL] === labelValue(policy);
}

/** What retention has still to handle: see {@link newlySucceeded}. */
export interface NewSuccesses {
  /** Applications with a success not yet handled. */
  readonly applications: string[];
  /** The latest completion among them (undefined: nothing new). */
  readonly latest: Date | undefined;
  /** Names of this policy's succeeded Backups that completed exactly at `latest`. */
  readonly atLatest: string[];
}

/**
 * Applications with a backup of `policy` that succeeded after `since` (all when
 * undefined), and the latest such completion: retention runs for each of them, then
 * `status.lastSuccessfulBackupTime` moves to `latest`, so it runs once per success.
 * Completion times have one-second resolution, so two backups can share one: those at
 * `since` already handled are named in `handledAtSince` (status.lastSuccessfulBackups),
 * and one at `since` that is not is still new.
 */
export function newlySucceeded(
  backups: readonly BackupRecord[],
  policy: string,
  since: Date | undefined,
  handledAtSince: readonly string[] = [],
): NewSuccesses {
  const apps = new Set<string>();
  let latest: Date | undefined;
  const succeeded: { name: string; done: number }[] = [];
  for (const b of backups) {
    if (!ofPolicy(b, policy) || b.phase !== 'Succeeded' || !b.completedAt) continue;
    const done = new Date(b.completedAt).getTime();
    if (Number.isNaN(done)) continue;
    succeeded.push({ name: b.name, done });
    if (since && done < since.getTime()) continue;
    if (since && done === since.getTime() && handledAtSince.includes(b.name)) continue;
    const app = b.labels[APPLICATION_LABEL];
    if (app !== undefined) apps.add(app);
    if (!latest || done > latest.getTime()) latest = new Date(done);
  }
  const atLatest = latest
    ? succeeded
        .filter((s) => s.done === latest.getTime())
        .map((s) => s.name)
        .sort()
    : [];
  return { applications: [...apps].sort(), latest, atLatest };
}

/** The repository backup ids that `policy`'s retention governs for one application (label value). */
export function retentionScope(
  backups: readonly BackupRecord[],
  policy: string,
  applicationLabel: string,
): string[] {
  return backups
    .filter(
      (b) =>
        ofPolicy(b, policy) &&
        b.labels[APPLICATION_LABEL] === applicationLabel &&
        b.phase === 'Succeeded' &&
        b.backupId !== undefined,
    )
    .map((b) => b.backupId as string)
    .sort();
}

/** Names of the Backup CRs whose backups prune removed. */
export function backupsPruned(backups: readonly BackupRecord[], removed: readonly string[]): string[] {
  const gone = new Set(removed);
  return backups
    .filter((b) => b.backupId !== undefined && gone.has(b.backupId))
    .map((b) => b.name)
    .sort();
}

/** Whether a retention block keeps anything (an empty one means: keep everything, prune nothing). */
export function hasRetention(retention: RetentionPolicy | undefined): retention is RetentionPolicy {
  return retention !== undefined && Object.values(retention).some((n) => typeof n === 'number' && n > 0);
}

export interface RetentionOutcome {
  readonly application: string;
  readonly report: PruneReport;
  /** Backup CRs to delete (their backups are gone from the repository). */
  readonly deleteBackups: readonly string[];
}

/**
 * Prune `repository` with `retention`, restricted to the policy's backups of `application`
 * (its label value). Nothing happens when the scope is empty.
 */
export async function applyRetention(
  repository: Repository,
  retention: RetentionPolicy,
  backups: readonly BackupRecord[],
  policy: string,
  application: string,
  now: Date,
): Promise<RetentionOutcome | undefined> {
  const scope = retentionScope(backups, policy, application);
  if (scope.length === 0) return undefined;
  const report = await repository.prune({ policy: retention, backupIds: new Set(scope), now });
  return { application, report, deleteBackups: backupsPruned(backups, report.removed) };
}
