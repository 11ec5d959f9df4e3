/**
 * A multi-GiB round trip through a local repository (3 GiB by default;
 * LIFEBOAT_REPO_LARGE_BYTES to change): a generated dump-like stream is backed up,
 * read back and compared by SHA-256, while the process's RSS is sampled. Memory must
 * stay bounded by the pipeline (chunks in flight, worker threads), not grow with the
 * stream: the RSS growth bound is a small fraction of the stream size.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { realisticBlocks } from '../../../bench/repo-data.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { releaseMemory } from '../../../engine/repository/memory.ts';
import { MiB, streamDigest } from './_helpers.ts';

const BYTES = Number(process.env.LIFEBOAT_REPO_LARGE_BYTES ?? 3 * 1024 * MiB);
/** RSS growth allowed over the whole round trip, whatever BYTES is. */
const RSS_GROWTH_BOUND = 192 * MiB;

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-large-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it(`round trip of ${(BYTES / 1024 / MiB).toFixed(1)} GiB: same SHA-256 back, RSS growth under ${RSS_GROWTH_BOUND / MiB} MiB`, async () => {
  const key = Buffer.from('large-round-trip-key-0123456789abcdef');
  const store = new LocalStore(join(dir, 'repo'));
  await Repository.init(store, { key });
  const repo = await Repository.open(store, { key });

  realisticBlocks({ bytes: 1, seed: 31 }).next(); // the generator's text pool, built before measuring
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    // the digest is taken as the stream goes in: the data exists nowhere else. Like a
    // pipe, each block is consumed before the next is read, then freed (not left to GC).
    const written = createHash('sha256');
    // eslint-disable-next-line @typescript-eslint/require-await -- pulled piece by piece, like a pipe
    async function* input(): AsyncGenerator<Buffer> {
      let previous: Buffer | undefined;
      for (const block of realisticBlocks({ bytes: BYTES, seed: 31 })) {
        if (previous) releaseMemory(previous);
        written.update(block);
        previous = block;
        yield block;
      }
    }
    const writer = await repo.startBackup({ app: 'large' });
    const put = await writer.put('dump.sql', input());
    await writer.commit();
    expect(put.bytes).toBe(BYTES);
    expect(writer.stats.newBytesStored).toBeLessThan(BYTES / 2); // compressed
    const back = await streamDigest(await repo.openArtifact(writer.backupId, 'large', 'dump.sql'));
    expect(back).toEqual({ sha256: written.digest('hex'), bytes: BYTES });
  } finally {
    clearInterval(sampler);
  }
  const growth = peak - rssBefore;
  console.log(`large round trip: ${BYTES / MiB} MiB, RSS grew ${(growth / MiB).toFixed(0)} MiB`);
  expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
}, 600_000);
