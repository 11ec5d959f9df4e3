/**
 * Repack: rewrite packs that kept backups use only in part, so the bytes of chunks no
 * backup references any more are given back. Run by prune, under its lock, only when
 * no backup is live, no other prune runs and the repository has no Object Lock. Order,
 * each step durable before the next:
 *   1. copy each used chunk of the chosen packs, checked (authenticated, decompressed,
 *      matched against its id) and still sealed as it was (a sealed chunk does not
 *      depend on where it lies), into new packs; make their names durable;
 *   2. rewrite every index that names a chosen pack to point into the new packs;
 *   3. delete the chosen packs.
 * A crash between steps leaves every index pointing at packs that exist: new packs no
 * index names yet are orphans for the next prune; chosen packs still named by an index
 * not yet rewritten are kept by it. A reader holding an index from before step 2 finds
 * a chosen pack gone after step 3 and re-reads the index (artifact-reader.ts). A pack
 * with a damaged or inconsistent chunk is not rewritten: it is reported and left as it
 * is, for `verify` to name.
 */
import { SealError, unseal } from './codec.ts';
import type { RepositoryContext } from './context.ts';
import { releaseMemory } from './memory.ts';
import { readAhead } from './read-ahead.ts';
import { ObjectLockedError } from './object-store.ts';
import { indexKey, sealIndex, type ChunkIndex } from './pack-index.ts';
import { PackContentError, packEntries, readPackHeader } from './pack-reader.ts';
import { PackWriter } from './pack-writer.ts';
import { packKey, type ChunkLocation } from './pack.ts';
import { repackCandidates, unusedBytes, type PackUse } from './repack-plan.ts';

export interface RepackOptions {
  /** Fraction of the used packs' bytes tolerated unused (repack-plan.ts). */
  readonly maxUnused: number;
  /** Choose and report, write and delete nothing. */
  readonly dryRun: boolean;
  /** Checked before any pack is deleted: false when the prune lock may have lapsed. */
  readonly stillExclusive: () => boolean;
  /** Progress of the copy: bytes of the chosen packs read so far, of `total`. */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface RepackResult {
  /** Packs rewritten and deleted (dry run: that would be). */
  readonly packsRepacked: number;
  /** New packs written to hold their used chunks. */
  readonly packsWritten: number;
  /** Sealed bytes of used chunks copied. */
  readonly bytesRepacked: number;
  /** Bytes given back: the deleted packs' sizes less the new packs'. */
  readonly bytesFreed: number;
  /** Unused bytes left inside used packs (headers included). */
  readonly bytesUnused: number;
  /** Packs left alone because of damage or inconsistency, or a step that could not finish. */
  readonly warnings: readonly string[];
}

/** Pack headers read at once while choosing. */
const HEADERS_AHEAD = 8;
/** Whole packs held at once while copying: the one being copied and the next. */
const PACKS_AHEAD = 2;

/** Rewrite the packs worth it; `indexes` are every index that stays (backup id → index). */
export async function repack(
  ctx: RepositoryContext,
  uses: readonly PackUse[],
  indexes: ReadonlyMap<string, ChunkIndex>,
  options: RepackOptions,
): Promise<RepackResult> {
  const warnings: string[] = [];
  const { chosen, unused } = await choose(ctx, uses, options.maxUnused, warnings);
  if (chosen.length === 0 || options.dryRun) {
    return {
      packsRepacked: chosen.length,
      packsWritten: 0,
      bytesRepacked: chosen.reduce((n, use) => n + use.size - unusedBytes(use), 0),
      bytesFreed: 0,
      bytesUnused: unused,
      warnings,
    };
  }
  // 1. copy
  const copied = await copyUsedChunks(ctx, chosen, warnings, options.onProgress);
  const done = chosen.filter((use) => copied.packs.has(use.id));
  const unchanged = {
    packsRepacked: 0,
    packsWritten: copied.written.length,
    bytesRepacked: copied.bytes,
    bytesFreed: 0,
    bytesUnused: unused,
    warnings,
  };
  if (done.length === 0) return unchanged;
  // 2. rewrite the indexes that name a rewritten pack
  let rewritten = true;
  for (const [backupId, index] of indexes) {
    let changed = false;
    const next: ChunkIndex = new Map();
    for (const [id, at] of index) {
      const moved = copied.moved.get(placeOf(at));
      if (moved) changed = true;
      next.set(id, moved ?? at);
    }
    if (!changed) continue;
    try {
      await ctx.store.put(indexKey(backupId), await sealIndex(ctx, backupId, next));
    } catch (error) {
      if (!(error instanceof ObjectLockedError)) throw error;
      rewritten = false;
      warnings.push(`the chunk index of backup ${backupId} is locked: packs not rewritten (they stay)`);
    }
  }
  // 3. delete the packs rewritten, if every index now points past them
  if (!rewritten || !options.stillExclusive()) {
    if (rewritten)
      warnings.push('the prune lock may have lapsed: old packs kept (the next prune deletes them)');
    return unchanged;
  }
  let packsRepacked = 0;
  let bytesFreed = -copied.writtenBytes;
  let bytesUnused = unused;
  for (const use of done) {
    try {
      await ctx.store.delete(packKey(use.id));
      packsRepacked++;
      bytesFreed += use.size;
      bytesUnused -= unusedBytes(use);
    } catch (error) {
      if (!(error instanceof ObjectLockedError)) throw error;
      warnings.push(`pack ${use.id} is locked: rewritten, but it stays until its retention ends`);
    }
  }
  return {
    packsRepacked,
    packsWritten: copied.written.length,
    bytesRepacked: copied.bytes,
    bytesFreed,
    bytesUnused,
    warnings,
  };
}

/** The key of a chunk's place in `Copied.moved`. */
function placeOf(at: Pick<ChunkLocation, 'pack' | 'offset'>): string {
  return `${at.pack}:${at.offset}`;
}

/** Examine candidates, most unused first, until the rest is within the limit. */
async function choose(
  ctx: RepositoryContext,
  uses: readonly PackUse[],
  maxUnused: number,
  warnings: string[],
): Promise<{ chosen: PackUse[]; unused: number }> {
  const { limit, unused, ordered } = repackCandidates(uses, maxUnused);
  let remaining = unused;
  const chosen: PackUse[] = [];
  // headers are small ranged reads: a few in flight at once
  for await (const [use, header] of readAhead(ordered, HEADERS_AHEAD, (u) =>
    readPackHeader(ctx, u.id, u.size),
  )) {
    if (remaining <= limit) break;
    remaining -= unusedBytes(use);
    let dead = 0;
    try {
      if (!header.ok) throw header.error;
      const inPack = new Map(header.value.map(([, offset, length]) => [offset, length]));
      for (const [offset, length] of use.used) {
        if (inPack.get(offset) !== length)
          throw new PackContentError(
            `pack ${use.id}: an index names bytes ${offset}+${length}, which its header does not list`,
          );
      }
      for (const [, offset, length] of header.value) if (!use.used.has(offset)) dead += length;
    } catch (error) {
      if (!(error instanceof PackContentError)) throw error;
      warnings.push(`${error.message}; not rewritten (run: lifeboat verify --all)`);
      continue;
    }
    // what is not dead is the header: no rewrite would give it back
    if (dead > 0) chosen.push(use);
  }
  return { chosen, unused };
}

interface Copied {
  /** Packs whose every used chunk was copied. */
  readonly packs: Set<string>;
  /** "old pack:offset" → new location, for the chunks of those packs only (a pack is checked whole before any of it is copied). */
  readonly moved: Map<string, ChunkLocation>;
  readonly written: readonly string[];
  readonly writtenBytes: number;
  readonly bytes: number;
}

/** Step 1: the used chunks of each chosen pack, checked, into new packs made durable. */
async function copyUsedChunks(
  ctx: RepositoryContext,
  chosen: readonly PackUse[],
  warnings: string[],
  onProgress?: (read: number, total: number) => void,
): Promise<Copied> {
  const writer = new PackWriter({
    store: ctx.store,
    targetBytes: ctx.packBytes,
    dataKey: ctx.dataKey,
    putOptions: { deferNameSync: true },
  });
  const packs = new Set<string>();
  const moved = new Map<string, ChunkLocation>();
  /** chunk id → new location: a chunk stored twice (two backups at once) is kept once */
  const byId = new Map<string, ChunkLocation>();
  let bytes = 0;
  const total = chosen.reduce((n, use) => n + use.size, 0);
  let read = 0;
  try {
    // the next pack is fetched while this one is checked and copied
    for await (const [use, fetched] of readAhead(chosen, PACKS_AHEAD, (c) => ctx.store.get(packKey(c.id)))) {
      if (!fetched.ok) throw fetched.error;
      const pack = fetched.value;
      try {
        const chunks = await checkedChunks(ctx, use, pack);
        for (const { id, offset, sealed } of chunks) {
          let at = byId.get(id);
          if (!at) {
            at = await writer.add(id, { parts: [sealed], size: sealed.length }, () => undefined);
            byId.set(id, at);
            bytes += sealed.length;
          }
          moved.set(placeOf({ pack: use.id, offset }), at);
        }
        packs.add(use.id);
      } catch (error) {
        if (!(error instanceof PackContentError)) throw error;
        warnings.push(`${error.message}; not rewritten (run: lifeboat verify --all)`);
      } finally {
        releaseMemory(pack);
        read += use.size;
        onProgress?.(read, total);
      }
    }
    const written = await writer.finish();
    await ctx.store.syncNames(written.map(packKey));
    const sizes = await Promise.all(written.map((id) => ctx.store.head(packKey(id))));
    return { packs, moved, written, writtenBytes: sizes.reduce((n, s) => n + (s?.size ?? 0), 0), bytes };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/**
 * The used chunks of a pack read whole, each authenticated and matched against its id
 * before anything of the pack is copied, as copies (so the pack's buffer can go).
 */
async function checkedChunks(
  ctx: RepositoryContext,
  use: PackUse,
  pack: Buffer,
): Promise<{ id: string; offset: number; sealed: Buffer }[]> {
  const entries = await packEntries(ctx, use.id, pack);
  const out: { id: string; offset: number; sealed: Buffer }[] = [];
  for (const [id, offset, length] of entries) {
    if (use.used.get(offset) !== length) continue;
    const sealed = pack.subarray(offset, offset + length);
    let plain: Buffer;
    try {
      plain = await unseal(sealed, { key: ctx.dataKey, context: id });
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      throw new PackContentError(`pack ${use.id}: chunk ${id} ${error.message}`, { cause: error });
    }
    if (ctx.chunkId(plain) !== id)
      throw new PackContentError(`pack ${use.id}: chunk ${id} does not match its id (altered)`);
    out.push({ id, offset, sealed: Buffer.from(sealed) });
  }
  return out;
}
