/**
 * The chunk index: `index/<backup id>` says where every chunk a backup references lies
 * (pack, offset, length), its new chunks and the ones it reuses. Each backup's index is
 * thus enough to read that backup, and lives exactly as long: written (and locked)
 * with the backup, after its packs and before its manifest, and deleted by prune only
 * once the manifest is gone. The union of all indexes is what a new backup
 * deduplicates against; prune deletes an index before any pack it names, so no index
 * ever points into a deleted pack.
 */
import { z } from 'zod';
import { RepositoryError } from '../errors.ts';
import { SealError, seal, unseal } from './codec.ts';
import type { RepositoryContext } from './context.ts';
import { NotFoundError } from './object-store.ts';
import type { ChunkLocation } from './pack.ts';
import { describeStoreError } from './store-errors.ts';

export const INDEX_PREFIX = 'index/';

/** Chunk id → where it lies. */
export type ChunkIndex = Map<string, ChunkLocation>;

const IndexSchema = z.object({
  version: z.literal(1),
  /** pack id → [chunk id, offset, length] of the chunks of that pack the backup references */
  packs: z.record(
    z.string().regex(/^[0-9a-f]{32}$/),
    z.array(z.tuple([z.string().regex(/^[0-9a-f]{64}$/), z.number().int().min(0), z.number().int().min(1)])),
  ),
});

export function indexKey(backupId: string): string {
  return `${INDEX_PREFIX}${backupId}`;
}

export function indexContext(backupId: string): string {
  return `index:${backupId}`;
}

/** The JSON of an index, grouped by pack (pack ids are written once). */
export function serializeIndex(index: ChunkIndex): string {
  const packs: Record<string, [string, number, number][]> = {};
  for (const [id, at] of index) (packs[at.pack] ??= []).push([id, at.offset, at.length]);
  return JSON.stringify({ version: 1, packs });
}

export function parseIndex(json: string): ChunkIndex {
  const parsed = IndexSchema.parse(JSON.parse(json));
  const index: ChunkIndex = new Map();
  for (const [pack, entries] of Object.entries(parsed.packs))
    for (const [id, offset, length] of entries) index.set(id, { pack, offset, length });
  return index;
}

/** Seal an index for `index/<backup id>`. */
export async function sealIndex(
  ctx: RepositoryContext,
  backupId: string,
  index: ChunkIndex,
): Promise<Buffer[]> {
  const sealed = await seal(Buffer.from(serializeIndex(index), 'utf8'), {
    key: ctx.dataKey,
    level: 3,
    context: indexContext(backupId),
  });
  return sealed.parts;
}

/** The verified index of one backup; a missing or altered one is a RepositoryError. */
export async function readIndex(ctx: RepositoryContext, backupId: string): Promise<ChunkIndex> {
  let object: Buffer;
  try {
    object = await ctx.store.get(indexKey(backupId));
  } catch (error) {
    if (error instanceof NotFoundError)
      throw new RepositoryError(
        `backup ${backupId}: its chunk index is missing (run: lifeboat repo repair-index)`,
        { backupId },
        { cause: error },
      );
    throw describeStoreError(error, ctx.store.location, `cannot read the chunk index of backup ${backupId}`);
  }
  return decodeIndex(ctx, backupId, object);
}

/** Authenticate and parse an index object; IndexError when it cannot be trusted. */
async function decodeIndex(ctx: RepositoryContext, backupId: string, object: Buffer): Promise<ChunkIndex> {
  try {
    const plain = await unseal(object, { key: ctx.dataKey, context: indexContext(backupId) });
    return parseIndex(plain.toString('utf8'));
  } catch (error) {
    const reason = error instanceof SealError ? error.message : 'invalid content';
    throw new IndexError(`backup ${backupId}: chunk index ${reason}`, { backupId }, { cause: error });
  }
}

/** An index object that exists but cannot be trusted (altered, wrong key, bad content). */
export class IndexError extends RepositoryError {}

/** Backup ids that have an index object (committed, or written by a backup that then crashed). */
export async function listIndexIds(ctx: RepositoryContext): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of ctx.store.list(INDEX_PREFIX)) ids.push(info.key.slice(INDEX_PREFIX.length));
  return ids.sort();
}

/**
 * Every index, read a few at a time. Unreadable ones are returned apart: a backup just
 * does not deduplicate against them, prune deletes nothing while one exists.
 */
export async function readAllIndexes(
  ctx: RepositoryContext,
): Promise<{ indexes: Map<string, ChunkIndex>; unreadable: Map<string, RepositoryError> }> {
  const ids = await listIndexIds(ctx);
  const indexes = new Map<string, ChunkIndex>();
  const unreadable = new Map<string, RepositoryError>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let id = ids[next++]; id !== undefined; id = ids[next++]) {
      let object: Buffer;
      try {
        object = await ctx.store.get(indexKey(id));
      } catch (error) {
        if (error instanceof NotFoundError) continue; // deleted by a prune meanwhile
        throw describeStoreError(error, ctx.store.location, `cannot read the chunk index of backup ${id}`);
      }
      try {
        indexes.set(id, await decodeIndex(ctx, id, object));
      } catch (error) {
        if (!(error instanceof IndexError)) throw error;
        unreadable.set(id, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
  return { indexes, unreadable };
}
