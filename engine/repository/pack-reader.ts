/**
 * Reading a pack's own header (pack.ts): the list of every chunk the pack holds, used
 * ones or not. Prune reads it to know a pack's exact dead bytes before rewriting it,
 * and to check that what the indexes say lies in the pack really does.
 */
import { z } from 'zod';
import { SealError, unseal } from './codec.ts';
import type { RepositoryContext } from './context.ts';
import { packHeaderContext, packKey, type PackEntry } from './pack.ts';

const HeaderSchema = z.array(
  z.tuple([z.string().regex(/^[0-9a-f]{64}$/), z.number().int().min(0), z.number().int().min(1)]),
);

/** A pack whose header or chunks cannot be trusted: truncated, altered or inconsistent. */
export class PackContentError extends Error {}

/** The tail read first: most headers fit (a few dozen bytes per chunk). */
const TAIL_GUESS = 64 * 1024;

/**
 * The entries of a pack's header, read by range from its end (one request, two for
 * very large headers). `size` is the pack object's size.
 */
export async function readPackHeader(
  ctx: RepositoryContext,
  packId: string,
  size: number,
): Promise<PackEntry[]> {
  if (size < 4) throw new PackContentError(`pack ${packId} is truncated (${size} bytes)`);
  const key = packKey(packId);
  const tailLength = Math.min(size, TAIL_GUESS);
  let tail = await ctx.store.getRange(key, size - tailLength, tailLength);
  const headerLength = tail.readUInt32BE(tail.length - 4);
  if (headerLength + 4 > size)
    throw new PackContentError(`pack ${packId}: header length ${headerLength} exceeds the pack`);
  if (headerLength + 4 > tail.length)
    tail = await ctx.store.getRange(key, size - 4 - headerLength, headerLength + 4);
  return parsePackHeader(ctx, packId, size, tail.subarray(tail.length - 4 - headerLength, tail.length - 4));
}

/** The entries of a pack held whole in memory. */
export async function packEntries(
  ctx: RepositoryContext,
  packId: string,
  pack: Buffer,
): Promise<PackEntry[]> {
  if (pack.length < 4) throw new PackContentError(`pack ${packId} is truncated (${pack.length} bytes)`);
  const headerLength = pack.readUInt32BE(pack.length - 4);
  if (headerLength + 4 > pack.length)
    throw new PackContentError(`pack ${packId}: header length ${headerLength} exceeds the pack`);
  return parsePackHeader(
    ctx,
    packId,
    pack.length,
    pack.subarray(pack.length - 4 - headerLength, pack.length - 4),
  );
}

async function parsePackHeader(
  ctx: RepositoryContext,
  packId: string,
  size: number,
  sealed: Buffer,
): Promise<PackEntry[]> {
  let entries: PackEntry[];
  try {
    const plain = await unseal(sealed, { key: ctx.dataKey, context: packHeaderContext(packId) });
    entries = HeaderSchema.parse(JSON.parse(plain.toString('utf8')));
  } catch (error) {
    const reason = error instanceof SealError ? error.message : 'invalid content';
    throw new PackContentError(`pack ${packId}: header ${reason}`, { cause: error });
  }
  // chunks lie one after another from offset 0 up to the header
  let end = 0;
  for (const [id, offset, length] of entries) {
    if (offset !== end)
      throw new PackContentError(`pack ${packId}: header entry of chunk ${id} is out of place`);
    end = offset + length;
  }
  if (end !== size - 4 - sealed.length)
    throw new PackContentError(`pack ${packId}: header does not account for the pack's ${size} bytes`);
  return entries;
}
