/**
 * Prune: apply GFS retention, delete the manifests it drops, then the chunk indexes of
 * backups without a manifest, then the packs no remaining index names, then rewrite
 * packs that remaining backups use only in part (repack.ts). Safety rules:
 * - a manifest whose retention date is in the future is never deleted (so prune
 *   never relies on deleting a locked object); the packs its index names stay;
 * - indexes and packs are deleted (and packs rewritten) only while no live backup lock
 *   and no other live prune lock exists (see locks.ts): a running backup may
 *   deduplicate against any indexed chunk, and another prune may be writing packs no
 *   index names yet; otherwise garbage is left for the next prune (reported as deferred);
 * - if a manifest, or the index of a backup that has one, cannot be read, nothing is
 *   deleted (it might name any pack);
 * - an index goes before the packs it names, so no index points into a deleted pack;
 *   an index the store refuses to delete (locked) keeps its packs;
 * - packs of a crashed backup (lock expired, no manifest) are orphans and go;
 * - a pack the store refuses to delete (still locked) is skipped and counted;
 * - nothing is deleted once prune's own lock may have lapsed (a backup may have started);
 * - packs are never rewritten in a repository with Object Lock.
 */
import { randomBytes } from 'node:crypto';
import { RepositoryError } from '../errors.ts';
import { manifestKey } from './context.ts';
import { HeldLock, isLive, readLocks } from './locks.ts';
import type { Manifest } from './manifest.ts';
import { ObjectLockedError } from './object-store.ts';
import { indexKey, readAllIndexes, type ChunkIndex } from './pack-index.ts';
import { PACK_PREFIX, packIdOfKey } from './pack.ts';
import { repack, type RepackResult } from './repack.ts';
import { repackCandidates, type PackUse } from './repack-plan.ts';
import type { Repository } from './repository.ts';
import { isEmptyPolicy, selectRetention, type RetentionPolicy } from './retention.ts';
import { describeStoreError } from './store-errors.ts';

/** Unused share of the stored bytes tolerated before packs are rewritten. */
export const DEFAULT_MAX_UNUSED = 0.05;

export interface PruneOptions {
  /** Retention to apply; without one, only `forget` removes backups. */
  readonly policy?: RetentionPolicy;
  /**
   * Backups to remove whatever the policy says (`lifeboat forget`); one still under
   * retention is kept and reported as retained. Each must exist.
   */
  readonly forget?: ReadonlySet<string>;
  /** Only apply to this application's backups (chunk GC still covers all). */
  readonly app?: string;
  /**
   * Only apply to these backups (e.g. those one BackupPolicy created); others are kept and
   * do not count towards the policy. Chunk GC still covers all.
   */
  readonly backupIds?: ReadonlySet<string>;
  /** Report what would happen; delete nothing. @default false */
  readonly dryRun?: boolean;
  /**
   * Fraction of the stored pack bytes left unused before packs are rewritten (0.05: up
   * to 5 % is tolerated; Infinity: never rewrite). @default 0.05
   */
  readonly maxUnused?: number;
  /** Progress of the pack rewrite: bytes of the packs being rewritten read so far, of `total`. */
  readonly onRepack?: (read: number, total: number) => void;
  /** @default new Date() */
  readonly now?: Date;
}

export interface PruneReport {
  readonly kept: readonly string[];
  readonly removed: readonly string[];
  /** Backups the policy drops but that are still under retention (object lock). */
  readonly retained: readonly string[];
  /** Packs deleted (no remaining backup references a chunk in them). */
  readonly packsDeleted: number;
  readonly bytesFreed: number;
  /** Unreferenced packs left because a backup is running (or a manifest or index is unreadable). */
  readonly packsDeferred: number;
  readonly deferredReason?: string;
  /** Unreferenced packs (and indexes) the store refused to delete (retention not yet over). */
  readonly packsLocked: number;
  /** Chunk indexes of removed or crashed backups deleted. */
  readonly indexesDeleted: number;
  /** Bytes inside kept packs that no remaining backup uses (their headers included). */
  readonly bytesUnused: number;
  /** Packs rewritten without their unused chunks, then deleted (dry run: would be). */
  readonly packsRepacked: number;
  /** New packs written by the rewrite. */
  readonly packsWritten: number;
  /** Bytes of used chunks the rewrite copied. */
  readonly bytesRepacked: number;
  /** Why packs over the unused limit were not rewritten (Object Lock, a deferral). */
  readonly repackSkipped?: string;
  /** Packs the rewrite left alone (damaged, inconsistent, locked): run verify. */
  readonly repackWarnings: readonly string[];
  readonly locksRemoved: number;
  /** Leftovers of crashed writes removed (temporary files, abandoned multipart uploads). */
  readonly temporariesRemoved: number;
}

export async function prune(repo: Repository, options: PruneOptions): Promise<PruneReport> {
  const forget = options.forget ?? new Set<string>();
  if (options.policy === undefined && forget.size === 0)
    throw new RepositoryError('nothing to prune: give a retention policy or backups to forget');
  if (options.policy !== undefined && isEmptyPolicy(options.policy)) {
    throw new RepositoryError(
      'refusing to prune with a policy that keeps nothing (give --keep-last/--keep-daily/…)',
    );
  }
  const store = repo.ctx.store;
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const lock = dryRun
    ? undefined
    : await HeldLock.acquire(store, 'prune', randomBytes(6).toString('hex'), repo.ctx.lockTtlMs).catch(
        (error: unknown) => {
          throw describeStoreError(error, store.location, 'cannot write prune lock');
        },
      );
  try {
    // 1. live backups, read before the manifests: a backup not live now either committed
    // already (its manifest is written before its lock goes, so it is listed below) or
    // starts after our lock exists (and waits for it): none can commit unseen meanwhile
    const locks = await readLocks(store);
    const liveBackups = locks.filter((l) => l.lock.kind === 'backup' && isLive(l.lock, new Date()));
    const otherPrunes = locks.filter(
      (l) => l.lock.kind === 'prune' && l.key !== lock?.key && isLive(l.lock, new Date()),
    );
    // 2. read every manifest
    const manifests = new Map<string, Manifest>();
    let unreadable: string | undefined;
    const ids = await repo.listIds();
    for (const id of ids) {
      try {
        manifests.set(id, await repo.readManifest(id));
      } catch (error) {
        unreadable ??= `manifest of ${id} is unreadable (${(error as Error).message})`;
        if (forget.has(id)) throw error;
      }
    }
    for (const id of forget) {
      if (!manifests.has(id)) throw new RepositoryError(`backup ${id} does not exist`, { backupId: id });
    }
    // 3. retention
    const candidates = [...manifests.values()]
      .filter((m) => options.app === undefined || m.app === options.app)
      .filter((m) => options.backupIds === undefined || options.backupIds.has(m.backupId))
      .map((m) => ({
        id: m.backupId,
        app: m.app,
        time: new Date(m.startedAt),
        ...(m.retainUntil ? { retainUntil: new Date(m.retainUntil) } : {}),
      }));
    const decision = options.policy
      ? selectRetention(candidates, options.policy, now)
      : { keep: candidates.map((c) => c.id), remove: [], reasons: {} as Record<string, string[]> };
    const retained = decision.keep.filter(
      (id) => decision.reasons[id]?.length === 1 && decision.reasons[id][0] === 'locked',
    );
    const kept = decision.keep.filter((id) => !forget.has(id));
    const toRemove = [...decision.remove];
    for (const id of forget) {
      if (toRemove.includes(id)) continue;
      const until = manifests.get(id)?.retainUntil;
      if (until !== undefined && Date.parse(until) > now.getTime()) {
        // never rely on deleting a locked object
        retained.push(id);
        kept.push(id);
      } else {
        toRemove.push(id);
      }
    }
    const removed: string[] = [];
    for (const id of toRemove) {
      if (!dryRun) {
        try {
          await store.delete(manifestKey(id));
        } catch (error) {
          if (error instanceof ObjectLockedError) {
            retained.push(id);
            continue;
          }
          throw describeStoreError(error, store.location, `cannot delete manifest ${id}`);
        }
        // the backup's stored reports (drills) go with it; a locked one just stays
        for await (const report of store.list(`reports/${id}/`)) {
          await store.delete(report.key).catch(() => undefined);
        }
      }
      removed.push(id);
      manifests.delete(id);
    }
    let deferredReason = unreadable;
    if (!deferredReason && liveBackups.length > 0) {
      deferredReason = `backup ${liveBackups.map((l) => l.lock.id).join(', ')} in progress`;
    }
    if (!deferredReason && otherPrunes.length > 0) {
      deferredReason = `another prune (${otherPrunes.map((l) => l.lock.id).join(', ')}) in progress`;
    }
    // 4. indexes and packs
    const { indexes, unreadable: badIndexes } = await readAllIndexes(repo.ctx);
    for (const id of manifests.keys()) {
      if (deferredReason) break;
      const bad = badIndexes.get(id);
      if (bad) deferredReason = `${bad.message} (run: lifeboat repo repair-index)`;
      else if (!indexes.has(id))
        deferredReason = `backup ${id} has no chunk index (run: lifeboat repo repair-index)`;
    }
    const garbageIndexes = [...indexes.keys(), ...badIndexes.keys()].filter((id) => !manifests.has(id));
    let indexesDeleted = 0;
    let packsLocked = 0;
    const keptIndexes = new Map<string, ChunkIndex>();
    for (const id of manifests.keys()) {
      const index = indexes.get(id);
      if (index) keptIndexes.set(id, index);
    }
    if (!deferredReason && !dryRun) {
      for (const id of garbageIndexes) {
        try {
          await store.delete(indexKey(id));
          indexesDeleted++;
        } catch (error) {
          if (!(error instanceof ObjectLockedError)) throw error;
          packsLocked++;
          // it stays, so the packs it names must too (unless it is unreadable: then it
          // names nothing a backup can use)
          const kept = indexes.get(id);
          if (kept) keptIndexes.set(id, kept);
        }
      }
    }
    // which packs are named, and which of their chunks the named locations use
    const used = new Map<string, Map<number, number>>();
    for (const index of keptIndexes.values()) {
      for (const at of index.values()) {
        let inPack = used.get(at.pack);
        if (!inPack) used.set(at.pack, (inPack = new Map<number, number>()));
        inPack.set(at.offset, at.length);
      }
    }
    const garbage: { key: string; size: number }[] = [];
    const uses: PackUse[] = [];
    for await (const info of store.list(PACK_PREFIX)) {
      const pack = packIdOfKey(info.key);
      if (pack === undefined) continue;
      const inPack = used.get(pack);
      if (inPack === undefined) garbage.push({ key: info.key, size: info.size });
      else uses.push({ id: pack, size: info.size, used: inPack });
    }
    // a backup may have started if our lock lapsed: then delete nothing
    if (!deferredReason && lock && !lock.fresh) deferredReason = 'the prune lock lapsed (storage too slow)';
    let packsDeleted = 0;
    let bytesFreed = 0;
    if (!deferredReason && !dryRun) {
      const pending = new Set<Promise<void>>();
      for (const g of garbage) {
        const p = store
          .delete(g.key)
          .then(() => {
            packsDeleted++;
            bytesFreed += g.size;
          })
          .catch((error: unknown) => {
            if (error instanceof ObjectLockedError) packsLocked++;
            else throw error;
          })
          .finally(() => pending.delete(p));
        pending.add(p);
        if (pending.size >= 8) await Promise.race(pending);
      }
      await Promise.all(pending);
    }
    // 5. rewrite packs used only in part
    const maxUnused = options.maxUnused ?? DEFAULT_MAX_UNUSED;
    const skip =
      repo.ctx.config.lock !== null
        ? 'the repository has Object Lock: packs are never rewritten'
        : deferredReason;
    let rewrite: RepackResult;
    let repackSkipped: string | undefined;
    if (skip === undefined) {
      rewrite = await repack(repo.ctx, uses, keptIndexes, {
        maxUnused,
        dryRun,
        stillExclusive: () => lock?.fresh ?? false,
        ...(options.onRepack && { onProgress: options.onRepack }),
      });
      bytesFreed += rewrite.bytesFreed;
    } else {
      const over = repackCandidates(uses, maxUnused);
      if (over.ordered.length > 0) repackSkipped = skip;
      rewrite = {
        packsRepacked: 0,
        packsWritten: 0,
        bytesRepacked: 0,
        bytesFreed: 0,
        bytesUnused: over.unused,
        warnings: [],
      };
    }
    // 6. locks and half-written objects of crashed processes (older than a lock's life,
    // so no live writer can still be working on them)
    let locksRemoved = 0;
    let temporariesRemoved = 0;
    if (!dryRun && !deferredReason) {
      temporariesRemoved = await store.sweep(new Date(Date.now() - repo.ctx.lockTtlMs));
    }
    if (!dryRun) {
      for (const l of locks) {
        if (!isLive(l.lock, new Date()) && l.key !== lock?.key) {
          await store.delete(l.key).catch(() => undefined);
          locksRemoved++;
        }
      }
    }
    return {
      kept,
      removed,
      retained,
      packsDeleted,
      bytesFreed,
      packsDeferred: deferredReason || dryRun ? garbage.length : 0,
      ...(deferredReason ? { deferredReason } : {}),
      packsLocked,
      indexesDeleted,
      bytesUnused: rewrite.bytesUnused,
      packsRepacked: rewrite.packsRepacked,
      packsWritten: rewrite.packsWritten,
      bytesRepacked: rewrite.bytesRepacked,
      ...(repackSkipped !== undefined && { repackSkipped }),
      repackWarnings: rewrite.warnings,
      locksRemoved,
      temporariesRemoved,
    };
  } catch (error) {
    throw describeStoreError(error, store.location, 'prune');
  } finally {
    await lock?.release().catch(() => undefined);
  }
}
