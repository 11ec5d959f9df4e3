/**
 * Bounded memory while the store is slow: sealed chunks in a pack no longer hold their
 * plaintext slot, so sealing goes on while a pack's write lags; and once one pack is
 * being written and the next is full, the reader stops: nothing grows without bound.
 * Real local directory, whose `put` is held back by the test.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore, Repository, type ObjectStore } from '../../../engine/repository/index.ts';
import { realisticBlocks } from '../../../bench/repo-data.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A local store whose pack writes wait until `open()` is called. */
function heldStore(dir: string): { store: ObjectStore; open: () => void; waiting: () => number } {
  const local = new LocalStore(dir);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let waiting = 0;
  const store = new Proxy(local, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (key === 'put') {
        return async (...args: Parameters<ObjectStore['put']>) => {
          if (args[0].startsWith('packs/')) {
            waiting++;
            await gate;
          }
          return target.put(...args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, open: release, waiting: () => waiting };
}

describe('backup writer: writes waiting on the store', () => {
  it('do not hold plaintext slots, and the reader still stops at the bounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-write-gate-'));
    dirs.push(dir);
    const key = Buffer.from('write gate test key 0123456789');
    const chunker = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };
    await Repository.init(new LocalStore(dir), { key, chunker });
    const held = heldStore(dir);
    const packBytes = 256 * 1024;
    const repo = await Repository.open(held.store, { key, uploadConcurrency: 2, sealThreads: 1, packBytes });
    const writer = await repo.startBackup({ app: 'slow' });

    const total = 64 * 1024 * 1024;
    let consumed = 0;
    const source = Readable.from(
      (function* () {
        for (const block of realisticBlocks({ bytes: total, seed: 8, blockSize: 16 * 1024 })) {
          consumed += block.length;
          yield block;
        }
      })(),
      { highWaterMark: 1 },
    );
    const put = writer.put('dump', source);
    // let the pipeline run into the held writes: until the reader has stood still for 1.5 s
    // (the seal worker takes a while to start)
    let before = -1;
    let still = 0;
    while (still < 5) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      still = consumed === before && held.waiting() > 0 ? still + 1 : 0;
      before = consumed;
    }
    // a local directory writes a pack while it fills, so a pack's put starts when the pack
    // opens: the first pack is full and being completed (held), the second is full too and
    // waits for it; no third starts, and no pack is done
    expect(held.waiting()).toBe(2);
    expect(writer.stats.packs).toBe(0);
    // more chunks are in packs than there are plaintext slots: a chunk in a pack no
    // longer holds its slot (two packs of at least 256 KiB of sealed ≤ 256 KiB chunks)
    expect(writer.stats.newChunks).toBeGreaterThan(2);
    // the reader stopped: two packs' worth of chunks (sealed at ≥ 1.5× compression, so
    // under 4 × 512 KiB of plaintext), two in slots, the chunker's and the stream's buffer
    expect(consumed).toBeLessThan(4 * 2 * packBytes + 4 * chunker.max);
    held.open();
    await put;
    await writer.commit();
    expect(writer.stats.bytesIn).toBe(total);
    const back = repo.openArtifact(writer.backupId, 'slow', 'dump');
    let bytes = 0;
    for await (const piece of await back) bytes += (piece as Buffer).length;
    expect(bytes).toBe(total);
  }, 60_000);
});
