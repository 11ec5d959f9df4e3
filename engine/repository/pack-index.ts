/**
 * The chunk index: `index/<backup id>` says where every chunk a backup references lies
 * (pack, offset, length), its new chunks and the ones it reuses. Each backup's index is
 * thus enough to read that backup, and lives exactly as long: written (and locked)
 * with the backup, after its packs and before its manifest, and deleted by prune only
 * once the manifest is gone. The union of all indexes is what a new backup
 * deduplicates against; prune deletes an index before any pack it names, so no index
 * ever points into a deleted pack.
 */
import { RepositoryError } from '../errors.ts';
import { SealError, seal, unseal } from './codec.ts';
import type { RepositoryContext } from './context.ts';
import type { IndexCache } from './index-cache.ts';
import { NotFoundError } from './object-store.ts';
import type { ChunkLocation } from './pack.ts';
import { describeStoreError } from './store-errors.ts';

export const INDEX_PREFIX = 'index/';

/** Chunk id → where it lies. */
export type ChunkIndex = Map<string, ChunkLocation>;

export function indexKey(backupId: string): string {
  return `${INDEX_PREFIX}${backupId}`;
}

export function indexContext(backupId: string): string {
  return `index:${backupId}`;
}

const PACK_ID = /^[0-9a-f]{32}$/;
const CHUNK_ID = /^[0-9a-f]{64}$/;

/**
 * The binary index (format 2 of the index object; format 1 was JSON, still read):
 *
 *   "LBI2" · pack count (uint32 BE) · per pack: pack id (16 bytes), entry count
 *   (uint32 BE), entries of [chunk id (32 bytes), offset (uint48 BE), length (uint32 BE)]
 *
 * A backup start decodes every index (~100,000 entries per 100 GiB backed up): this
 * takes a fraction of the time JSON did, and it is checked as it is read.
 */
const MAGIC = Buffer.from('LBI2', 'latin1');
const PACK_HEAD = 16 + 4;
const ENTRY = 32 + 6 + 4;

/** An index as bytes, grouped by pack (each pack id is written once). */
export function encodeIndex(index: ChunkIndex): Buffer {
  const packs = new Map<string, [string, number, number][]>();
  for (const [id, at] of index) {
    let entries = packs.get(at.pack);
    if (!entries) packs.set(at.pack, (entries = []));
    entries.push([id, at.offset, at.length]);
  }
  const out = Buffer.allocUnsafe(MAGIC.length + 4 + packs.size * PACK_HEAD + index.size * ENTRY);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt32BE(packs.size, at);
  for (const [pack, entries] of packs) {
    if (!PACK_ID.test(pack)) throw new Error(`index: invalid pack id ${JSON.stringify(pack)}`);
    at += out.write(pack, at, 'hex');
    at = out.writeUInt32BE(entries.length, at);
    for (const [id, offset, length] of entries) {
      if (!CHUNK_ID.test(id)) throw new Error(`index: invalid chunk id ${JSON.stringify(id)}`);
      at += out.write(id, at, 'hex');
      at = out.writeUIntBE(offset, at, 6);
      at = out.writeUInt32BE(length, at);
    }
  }
  return out;
}

/** An index from its plaintext, either format; throws an Error saying what is wrong. */
export function decodeIndexBytes(plain: Buffer): ChunkIndex {
  if (plain.length >= MAGIC.length && plain.subarray(0, MAGIC.length).equals(MAGIC))
    return decodeBinaryIndex(plain);
  return parseIndex(plain.toString('utf8'));
}

function decodeBinaryIndex(bytes: Buffer): ChunkIndex {
  const index: ChunkIndex = new Map();
  const short = (what: string) => new Error(`index: ends inside ${what}`);
  if (bytes.length < MAGIC.length + 4) throw short('its header');
  let at = MAGIC.length;
  const packs = bytes.readUInt32BE(at);
  at += 4;
  for (let p = 0; p < packs; p++) {
    if (at + PACK_HEAD > bytes.length) throw short(`pack ${p}`);
    const pack = bytes.toString('hex', at, at + 16);
    const count = bytes.readUInt32BE(at + 16);
    at += PACK_HEAD;
    if (at + count * ENTRY > bytes.length) throw short(`the entries of pack ${pack}`);
    for (let i = 0; i < count; i++, at += ENTRY) {
      const length = bytes.readUInt32BE(at + 38);
      if (length < 1) throw new Error(`index: pack ${pack} entry ${i} has length 0`);
      index.set(bytes.toString('hex', at, at + 32), { pack, offset: bytes.readUIntBE(at + 32, 6), length });
    }
  }
  if (at !== bytes.length) throw new Error(`index: ${bytes.length - at} bytes after the last pack`);
  return index;
}

/**
 * A format 1 (JSON) index: `{"version":1,"packs":{<pack id>:[[chunk id, offset, length],…]}}`.
 * Checked by hand rather than by a schema library (which took ~85 % of a backup start's
 * parsing). Throws an Error naming the first entry that is not as written.
 */
function parseIndex(json: string): ChunkIndex {
  const parsed: unknown = JSON.parse(json);
  if (parsed === null || typeof parsed !== 'object' || (parsed as { version?: unknown }).version !== 1)
    throw new Error('index: not version 1');
  const packs = (parsed as { packs?: unknown }).packs;
  if (packs === null || typeof packs !== 'object' || Array.isArray(packs))
    throw new Error('index: packs is not an object');
  const index: ChunkIndex = new Map();
  for (const [pack, entries] of Object.entries(packs as Record<string, unknown>)) {
    if (!PACK_ID.test(pack)) throw new Error(`index: invalid pack id ${JSON.stringify(pack)}`);
    if (!Array.isArray(entries)) throw new Error(`index: packs.${pack} is not a list`);
    for (let i = 0; i < entries.length; i++) {
      const entry: unknown = entries[i];
      if (!Array.isArray(entry) || entry.length !== 3)
        throw new Error(`index: packs.${pack}[${i}] is not a triple`);
      const [id, offset, length] = entry as unknown[];
      if (
        typeof id !== 'string' ||
        !CHUNK_ID.test(id) ||
        !Number.isSafeInteger(offset) ||
        (offset as number) < 0 ||
        !Number.isSafeInteger(length) ||
        (length as number) < 1
      )
        throw new Error(`index: packs.${pack}[${i}] is not [chunk id, offset, length]`);
      index.set(id, { pack, offset: offset as number, length: length as number });
    }
  }
  return index;
}

/** Seal an index for `index/<backup id>`. */
export async function sealIndex(
  ctx: RepositoryContext,
  backupId: string,
  index: ChunkIndex,
): Promise<Buffer[]> {
  const sealed = await seal(encodeIndex(index), {
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
    return decodeIndexBytes(plain);
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
 * does not deduplicate against them, prune deletes nothing while one exists. With
 * `cache` (`ctx.indexCache`: only stores that can say an object is unchanged have
 * one), indexes come from the cache whenever the store confirms it is current.
 */
export async function readAllIndexes(
  ctx: RepositoryContext,
  options: { readonly cache?: IndexCache | undefined } = {},
): Promise<{ indexes: Map<string, ChunkIndex>; unreadable: Map<string, RepositoryError> }> {
  const ids = await listIndexIds(ctx);
  const { cache } = options;
  const indexes = new Map<string, ChunkIndex>();
  const unreadable = new Map<string, RepositoryError>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let id = ids[next++]; id !== undefined; id = ids[next++]) {
      try {
        const index = cache ? await readCachedIndex(ctx, cache, id) : await readIndexObject(ctx, id);
        if (index) indexes.set(id, index);
      } catch (error) {
        if (!(error instanceof IndexError)) throw error;
        unreadable.set(id, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
  await cache?.retainOnly(new Set(ids));
  return { indexes, unreadable };
}

/** One index from the store; undefined when it is gone (deleted by a prune meanwhile). */
async function readIndexObject(ctx: RepositoryContext, id: string): Promise<ChunkIndex | undefined> {
  let object: Buffer;
  try {
    object = await ctx.store.get(indexKey(id));
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw describeStoreError(error, ctx.store.location, `cannot read the chunk index of backup ${id}`);
  }
  return decodeIndex(ctx, id, object);
}

/**
 * One index through the cache: the store sends it only when the cached version is not
 * its current one. A cached copy that fails authentication is dropped and fetched again.
 */
async function readCachedIndex(
  ctx: RepositoryContext,
  cache: IndexCache,
  id: string,
  useCached = true,
): Promise<ChunkIndex | undefined> {
  const getIfChanged = ctx.store.getIfChanged?.bind(ctx.store);
  if (!getIfChanged) return readIndexObject(ctx, id);
  const cached = useCached ? await cache.read(id) : undefined;
  let answer;
  try {
    answer = await getIfChanged(indexKey(id), cached?.version);
  } catch (error) {
    if (error instanceof NotFoundError) {
      await cache.delete(id);
      return undefined;
    }
    throw describeStoreError(error, ctx.store.location, `cannot read the chunk index of backup ${id}`);
  }
  if (answer === 'unchanged') {
    try {
      if (cached) return await decodeIndex(ctx, id, cached.object);
    } catch (error) {
      if (!(error instanceof IndexError)) throw error;
    }
    await cache.delete(id);
    return readCachedIndex(ctx, cache, id, false);
  }
  const index = await decodeIndex(ctx, id, answer.body);
  // only an object that authenticated is kept
  if (answer.version !== undefined) await cache.write(id, answer.version, answer.body);
  return index;
}
