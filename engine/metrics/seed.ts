/**
 * Seeding `lifeboat_last_successful_backup_timestamp_seconds` when the controller starts,
 * so a restart does not turn "backed up 3 h ago" into "never" (an absent series that
 * alerts like `time() - lifeboat_last_successful_backup_timestamp_seconds > …` cannot see).
 *
 * Two sources, both folded with "newest wins" (pure):
 * - the Backup CRs the controller lists anyway (succeeded ones: namespace, application,
 *   `status.completedAt`);
 * - the repository's manifests written by this cluster (they record `cluster`,
 *   `namespace` and `app`), which survive Backup CRs being deleted.
 */
import type { ActionSubject } from './recorder.ts';

export interface SuccessRecord extends ActionSubject {
  readonly completedAt: Date;
}

/** The subset of a Backup CR seeding reads (works on the zod-inferred type and on raw JSON). */
export interface BackupResourceLike {
  readonly metadata?: { readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: { readonly application?: string };
  readonly status?: { readonly phase?: string; readonly completedAt?: string };
}

/** The subset of a repository listing entry seeding reads. */
export interface RepositoryEntryLike {
  readonly app: string;
  readonly completedAt: string;
  readonly cluster?: string;
  readonly namespace?: string;
}

export const APPLICATION_LABEL = 'lifeboat.dev/application';

/**
 * The application a Backup CR is about, as metrics label it: the controller's
 * `lifeboat.dev/application` label, else `spec.application`. Undefined for a Backup that
 * names none (the controller picks the application at run time; the repository's
 * manifest, which records it, seeds that one instead of a guess).
 */
export function backupApplication(backup: BackupResourceLike): string | undefined {
  return backup.metadata?.labels?.[APPLICATION_LABEL] ?? backup.spec?.application;
}

export function successesFromBackups(backups: readonly BackupResourceLike[]): SuccessRecord[] {
  const out: SuccessRecord[] = [];
  for (const b of backups) {
    const namespace = b.metadata?.namespace;
    const at = b.status?.completedAt;
    const application = backupApplication(b);
    if (b.status?.phase !== 'Succeeded' || !namespace || !at || application === undefined) continue;
    const completedAt = new Date(at);
    if (Number.isNaN(completedAt.getTime())) continue;
    out.push({ namespace, application, completedAt });
  }
  return out;
}

/** Successes recorded in the repository by `cluster` (manifests without a namespace are CLI backups: skipped). */
export function successesFromRepository(
  entries: readonly RepositoryEntryLike[],
  cluster: string,
): SuccessRecord[] {
  const out: SuccessRecord[] = [];
  for (const e of entries) {
    if (e.cluster !== cluster || !e.namespace) continue;
    const completedAt = new Date(e.completedAt);
    if (Number.isNaN(completedAt.getTime())) continue;
    out.push({ namespace: e.namespace, application: e.app, completedAt });
  }
  return out;
}

/** The newest success per (namespace, application). */
export function newestPerApplication(records: readonly SuccessRecord[]): SuccessRecord[] {
  const newest = new Map<string, SuccessRecord>();
  for (const r of records) {
    const key = JSON.stringify([r.namespace, r.application]);
    const seen = newest.get(key);
    if (!seen || r.completedAt > seen.completedAt) newest.set(key, r);
  }
  return [...newest.values()];
}

/** Seed the recorder's last-success gauge with the newest of `records` per application. */
export function seedLastSuccessful(
  recorder: { backupSucceededAt(subject: ActionSubject, at: Date): void },
  records: readonly SuccessRecord[],
): number {
  const newest = newestPerApplication(records);
  for (const r of newest) recorder.backupSucceededAt(r, r.completedAt);
  return newest.length;
}
