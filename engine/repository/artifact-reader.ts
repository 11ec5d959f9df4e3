/**
 * Reads an artifact back as a stream: chunks fetched a few ahead (bounded), each by
 * range from its pack, authenticated, decompressed and checked against its id and
 * size before a byte of it is emitted. Any mismatch fails the stream with a
 * RepositoryError naming the backup, artifact and chunk.
 */
import { Readable } from 'node:stream';
import { RepositoryError } from '../errors.ts';
import { SealError, unseal } from './codec.ts';
import type { RepositoryContext } from './context.ts';
import type { ManifestArtifact } from './manifest.ts';
import { releaseMemory } from './memory.ts';
import { NotFoundError, ShortObjectError } from './object-store.ts';
import type { IndexView } from './index-view.ts';
import { packKey, type ChunkLocation } from './pack.ts';
import { describeStoreError } from './store-errors.ts';

/** Times a chunk is looked for again after its pack was found gone (a prune repacked it). */
const RELOCATIONS = 3;

/** Fetch and check one chunk, found through its backup's index. */
export async function readChunk(
  ctx: RepositoryContext,
  where: { backupId: string; artifact: string },
  id: string,
  size: number,
  index: IndexView,
): Promise<Buffer> {
  const fail = (reason: string, cause?: unknown): RepositoryError =>
    new RepositoryError(
      `backup ${where.backupId} artifact ${where.artifact} chunk ${id}: ${reason}`,
      { ...where, chunk: id },
      cause === undefined ? {} : { cause },
    );
  const first = index.get(id);
  if (first === undefined) throw fail("chunk is not in the backup's index");
  let at: ChunkLocation = first;
  let object: Buffer | undefined;
  for (let attempt = 0; object === undefined; attempt++) {
    try {
      object = await ctx.store.getRange(packKey(at.pack), at.offset, at.length);
    } catch (error) {
      if (error instanceof NotFoundError) {
        const moved: ChunkLocation | undefined =
          attempt < RELOCATIONS ? await index.relocate(id, at) : undefined;
        if (moved) {
          at = moved;
          continue;
        }
        throw fail(`chunk is missing (pack ${at.pack} is gone)`, error);
      }
      if (error instanceof ShortObjectError)
        throw fail(`chunk is missing (pack ${at.pack} is truncated)`, error);
      throw fail(describeStoreError(error, ctx.store.location, 'read').message, error);
    }
  }
  let plain: Buffer | undefined;
  try {
    plain = await unseal(object, { key: ctx.dataKey, context: id, size });
  } catch (error) {
    if (error instanceof SealError) throw fail(error.message, error);
    throw error;
  } finally {
    // the object read is ours alone; free it unless the plaintext is a view of it
    if (plain?.buffer !== object.buffer) releaseMemory(object);
  }
  if (plain.length !== size) throw fail(`size ${plain.length} differs from the manifest's ${size}`);
  if (ctx.chunkId(plain) !== id) throw fail('content does not match its id (altered)');
  return plain;
}

/** A Readable of the artifact's bytes, located through its backup's index; `prefetch` chunks are read ahead. */
export function artifactStream(
  ctx: RepositoryContext,
  backupId: string,
  artifact: ManifestArtifact,
  index: IndexView,
  prefetch = 4,
): Readable {
  const where = { backupId, artifact: `${artifact.member}/${artifact.name}` };
  async function* generate(): AsyncGenerator<Buffer> {
    const queue: Promise<Buffer>[] = [];
    let next = 0;
    const fill = (): void => {
      while (queue.length < prefetch && next < artifact.chunks.length) {
        const ref = artifact.chunks[next++];
        if (!ref) break;
        const p = readChunk(ctx, where, ref[0], ref[1], index);
        p.catch(() => undefined); // observed when awaited below
        queue.push(p);
      }
    };
    fill();
    while (queue.length > 0) {
      const head = queue.shift();
      if (!head) break;
      const chunk = await head;
      fill();
      yield chunk;
    }
  }
  return Readable.from(generate(), { objectMode: false, highWaterMark: 1 });
}
