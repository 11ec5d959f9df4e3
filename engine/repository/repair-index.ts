/**
 * Rebuild the chunk index of backups whose index is missing or cannot be trusted, from
 * the packs' own headers (pack.ts: every pack lists its chunks). Without its index a
 * committed backup cannot be read, and prune deletes nothing while one is broken; its
 * chunks usually still lie intact in packs. Runs under a prune lock (no backup starts,
 * no prune deletes a pack meanwhile) and refuses while a backup or another prune is
 * live. An index is written only when every chunk of the backup's manifest is found;
 * otherwise the backup is reported with what is missing and left as it is.
 */
import { randomBytes } from 'node:crypto';
import { RepositoryError } from '../errors.ts';
import type { RepositoryContext } from './context.ts';
import { HeldLock, isLive, readLocks } from './locks.ts';
import type { Manifest } from './manifest.ts';
import { ObjectLockedError, ShortObjectError, type PutOptions } from './object-store.ts';
import { indexKey, readAllIndexes, sealIndex, type ChunkIndex } from './pack-index.ts';
import { PackContentError, readPackHeader } from './pack-reader.ts';
import { PACK_PREFIX, packIdOfKey, packKey, type ChunkLocation } from './pack.ts';
import { describeStoreError } from './store-errors.ts';

export interface RepairReport {
  /** Backups whose index was missing or could not be trusted. */
  readonly broken: readonly string[];
  /** Of those, the ones whose index was rebuilt (dry run: could be). */
  readonly repaired: readonly string[];
  /** Backups some of whose chunks no pack holds: not repaired. */
  readonly incomplete: readonly { backupId: string; missingChunks: number; firstMissing: string }[];
  /** Backups whose broken index the store refuses to replace (Object Lock). */
  readonly locked: readonly string[];
  /** Pack headers read. */
  readonly packsRead: number;
  /** Packs whose header could not be read (their chunks cannot be located). */
  readonly unreadablePacks: readonly string[];
}

export interface RepairSource {
  readonly ctx: RepositoryContext;
  listIds(): Promise<string[]>;
  readManifest(backupId: string): Promise<Manifest>;
}

/** Find backups with a broken index and rebuild it from pack headers. */
export async function repairIndexes(
  repo: RepairSource,
  options: { readonly dryRun?: boolean } = {},
): Promise<RepairReport> {
  const { ctx } = repo;
  const store = ctx.store;
  const lock = await HeldLock.acquire(store, 'prune', randomBytes(6).toString('hex'), ctx.lockTtlMs).catch(
    (error: unknown) => {
      throw describeStoreError(error, store.location, 'cannot write repair lock');
    },
  );
  try {
    const now = new Date();
    const busy = (await readLocks(store)).filter((l) => l.key !== lock.key && isLive(l.lock, now));
    if (busy.length > 0) {
      throw new RepositoryError(
        `cannot repair indexes while ${busy.map((l) => `${l.lock.kind} ${l.lock.id}`).join(', ')} is in progress; retry when it is done`,
        {},
        { retryable: true },
      );
    }
    // an index missing, or present but not to be trusted, is broken alike
    const { indexes } = await readAllIndexes(ctx);
    const broken: Manifest[] = [];
    for (const id of await repo.listIds()) {
      if (!indexes.has(id)) broken.push(await repo.readManifest(id));
    }
    const empty = { repaired: [], incomplete: [], locked: [], packsRead: 0, unreadablePacks: [] };
    if (broken.length === 0) return { broken: [], ...empty };
    const { located, packsRead, unreadablePacks } = await locateChunks(ctx);
    const repaired: string[] = [];
    const incomplete: { backupId: string; missingChunks: number; firstMissing: string }[] = [];
    const locked: string[] = [];
    for (const manifest of broken) {
      const index: ChunkIndex = new Map();
      const missing: string[] = [];
      for (const artifact of manifest.artifacts) {
        for (const [id] of artifact.chunks) {
          const at = located.get(id);
          if (at) index.set(id, at);
          else if (!missing.includes(id)) missing.push(id);
        }
      }
      if (missing.length > 0) {
        incomplete.push({
          backupId: manifest.backupId,
          missingChunks: missing.length,
          firstMissing: missing[0] ?? '',
        });
        continue;
      }
      if (options.dryRun) {
        repaired.push(manifest.backupId);
        continue;
      }
      // a crashed backup's packs may never have had their names made durable
      await store.syncNames(new Set([...index.values()].map((at) => packKey(at.pack))));
      if (!lock.fresh)
        throw new RepositoryError('the repair lock lapsed (storage too slow); run the repair again');
      try {
        await store.put(
          indexKey(manifest.backupId),
          await sealIndex(ctx, manifest.backupId, index),
          retention(ctx, manifest),
        );
        repaired.push(manifest.backupId);
      } catch (error) {
        if (!(error instanceof ObjectLockedError)) throw error;
        locked.push(manifest.backupId);
      }
    }
    return {
      broken: broken.map((m) => m.backupId),
      repaired,
      incomplete,
      locked,
      packsRead,
      unreadablePacks,
    };
  } catch (error) {
    throw describeStoreError(error, store.location, 'repair indexes');
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/** The index's retention: the backup's, where the repository locks objects. */
function retention(ctx: RepositoryContext, manifest: Manifest): PutOptions {
  const mode = ctx.config.lock?.mode;
  if (mode === undefined || manifest.retainUntil === undefined || !ctx.store.supportsLock) return {};
  const until = new Date(manifest.retainUntil);
  return until.getTime() > Date.now() ? { retention: { mode, until } } : {};
}

/** Every chunk any pack header lists (the first place found when stored twice). */
async function locateChunks(
  ctx: RepositoryContext,
): Promise<{ located: Map<string, ChunkLocation>; packsRead: number; unreadablePacks: string[] }> {
  const packs: { id: string; size: number }[] = [];
  for await (const info of ctx.store.list(PACK_PREFIX)) {
    const id = packIdOfKey(info.key);
    if (id !== undefined) packs.push({ id, size: info.size });
  }
  packs.sort((a, b) => a.id.localeCompare(b.id));
  const headers = new Map<string, readonly (readonly [string, number, number])[]>();
  const unreadablePacks: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let pack = packs[next++]; pack !== undefined; pack = packs[next++]) {
      try {
        headers.set(pack.id, await readPackHeader(ctx, pack.id, pack.size));
      } catch (error) {
        if (!(error instanceof PackContentError) && !(error instanceof ShortObjectError)) throw error;
        unreadablePacks.push(pack.id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, packs.length) }, worker));
  const located = new Map<string, ChunkLocation>();
  for (const { id: pack } of packs) {
    for (const [id, offset, length] of headers.get(pack) ?? []) {
      if (!located.has(id)) located.set(id, { pack, offset, length });
    }
  }
  return { located, packsRead: headers.size, unreadablePacks: unreadablePacks.sort() };
}
