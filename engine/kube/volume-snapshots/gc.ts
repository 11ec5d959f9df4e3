/**
 * Garbage collection of the VolumeSnapshots freeze-snapshot backups leave in a namespace.
 * A backup's snapshots outlive its run on purpose (they are the data); they must go when
 * the backup goes: when retention prunes its manifest, or when the backup never committed
 * (the process died after the cut, the manifest write failed). Only snapshots labelled
 * with this repository's id are considered, so another repository's backups are never
 * touched; a snapshot is kept while its backup has a manifest or a live backup lock.
 *
 * Race-free order: list the snapshots first, then read manifests and locks. A backup
 * takes its lock before it creates a snapshot and releases it only after its manifest is
 * written, so any snapshot in the listing belongs to a backup that is either committed,
 * locked, or dead.
 */
import type { VolumeSnapshotApi, VolumeSnapshotObject } from './api.ts';
import { BACKUP_LABEL, labelValue, REPOSITORY_LABEL } from './labels.ts';

export interface SnapshotCollectionPlan {
  /** Snapshots to delete, with the backup id their label names. */
  readonly remove: readonly { readonly name: string; readonly backupId: string }[];
  /** Snapshots of a live backup, or too young to judge. */
  readonly keep: readonly string[];
}

/**
 * Which of `snapshots` (all labelled with the repository) to delete: those whose backup is
 * neither committed nor in progress, and older than `minAgeMs` (a margin for clock skew
 * between the cluster and the lock holders).
 */
export function planSnapshotCollection(input: {
  readonly snapshots: readonly VolumeSnapshotObject[];
  readonly liveBackupIds: Iterable<string>;
  readonly now: Date;
  readonly minAgeMs: number;
}): SnapshotCollectionPlan {
  const live = new Set(Array.from(input.liveBackupIds, (id) => labelValue(id)));
  const remove: { name: string; backupId: string }[] = [];
  const keep: string[] = [];
  for (const s of input.snapshots) {
    const meta = s.metadata;
    const name = meta?.name;
    if (!meta || !name) continue;
    const backupId = meta.labels?.[BACKUP_LABEL];
    const created = Date.parse(meta.creationTimestamp ?? '');
    const oldEnough = Number.isFinite(created) && input.now.getTime() - created >= input.minAgeMs;
    if (backupId === undefined || live.has(backupId) || !oldEnough) keep.push(name);
    else remove.push({ name, backupId });
  }
  return { remove, keep };
}

export interface SnapshotCollectionReport extends SnapshotCollectionPlan {
  readonly namespace: string;
}

/** What gc needs of the repository: its id, committed backups and backups in progress. */
export interface BackupLiveness {
  readonly id: string;
  listIds(): Promise<string[]>;
  inProgressBackupIds(now: Date): Promise<string[]>;
}

/** List, judge and delete this repository's orphaned VolumeSnapshots in `namespace`. */
export async function collectVolumeSnapshots(
  api: VolumeSnapshotApi,
  repository: BackupLiveness,
  options: {
    readonly namespace: string;
    readonly now?: Date;
    readonly minAgeMs?: number;
    /** Judge only; delete nothing. */
    readonly dryRun?: boolean;
  },
): Promise<SnapshotCollectionReport> {
  const now = options.now ?? new Date();
  const snapshots = await api.listSnapshots(
    options.namespace,
    `${REPOSITORY_LABEL}=${labelValue(repository.id)}`,
  );
  const [committed, inProgress] = await Promise.all([
    repository.listIds(),
    repository.inProgressBackupIds(now),
  ]);
  const plan = planSnapshotCollection({
    snapshots,
    liveBackupIds: [...committed, ...inProgress],
    now,
    minAgeMs: options.minAgeMs ?? DEFAULT_MIN_AGE_MS,
  });
  if (!options.dryRun) {
    for (const { name } of plan.remove) await api.deleteSnapshot(options.namespace, name);
  }
  return { namespace: options.namespace, ...plan };
}

/** Snapshots younger than this are never collected. */
export const DEFAULT_MIN_AGE_MS = 10 * 60_000;
