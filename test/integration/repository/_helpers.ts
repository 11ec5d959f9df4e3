/** Shared helpers of the repository integration suites. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { realisticBlocks, type RealisticOptions } from '../../../bench/repo-data.ts';

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
