/** Shared helpers of the repository integration suites. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { realisticBlocks, type RealisticOptions } from '../../../bench/repo-data.ts';
import type { ObjectStore, Repository } from '../../../engine/repository/index.ts';
import { readIndex } from '../../../engine/repository/pack-index.ts';
import { packKey } from '../../../engine/repository/pack.ts';

/** The generated stream as a Readable. */
export function dataStream(options: RealisticOptions): Readable {
  return Readable.from(realisticBlocks(options), { objectMode: false, highWaterMark: 1 });
}

/** SHA-256 of the generated stream, computed without storing it. */
export function dataDigest(options: RealisticOptions): string {
  const h = createHash('sha256');
  for (const block of realisticBlocks(options)) h.update(block);
  return h.digest('hex');
}

/** SHA-256 and length of what a stream yields. */
export async function streamDigest(
  stream: AsyncIterable<unknown>,
): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const piece of stream) {
    const buf = piece as Buffer;
    h.update(buf);
    bytes += buf.length;
  }
  return { sha256: h.digest('hex'), bytes };
}

export const MiB = 1024 * 1024;

/** Bytes of the large round trip: 256 MiB by default, `LIFEBOAT_REPO_TEST_BYTES` to go bigger (e.g. 4294967296). */
export function largeBytes(fallback = 256 * MiB): number {
  const env = process.env.LIFEBOAT_REPO_TEST_BYTES;
  return env ? Number(env) : fallback;
}

/** Where a backup's index puts a chunk: its pack's key and the chunk's sealed bytes in it. */
export async function chunkPlace(
  repo: Repository,
  backupId: string,
  chunkId: string,
): Promise<{ key: string; offset: number; length: number }> {
  const at = (await readIndex(repo.ctx, backupId)).get(chunkId);
  if (!at) throw new Error(`chunk ${chunkId} is not in the index of ${backupId}`);
  return { key: packKey(at.pack), offset: at.offset, length: at.length };
}

/** Keys of the pack objects in a store. */
export async function packKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list('packs/')) keys.push(info.key);
  return keys.sort();
}

/** Flip one bit of a chunk where it lies in its pack (`at` bytes into the sealed chunk). */
export async function damageChunk(
  store: ObjectStore,
  place: { key: string; offset: number; length: number },
  at: number,
): Promise<void> {
  if (at >= place.length) throw new Error(`the chunk has only ${place.length} bytes`);
  const pack = await store.get(place.key);
  pack.writeUInt8(pack.readUInt8(place.offset + at) ^ 0x40, place.offset + at);
  await store.put(place.key, [pack]);
}
