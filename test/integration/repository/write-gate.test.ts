/**
 * Bounded memory while the store is slow: sealed chunks waiting for a write hold a
 * write slot (sealed bytes), not their plaintext slot, so sealing goes on while the
 * disk or network lags; and once both bounds are full the reader stops: nothing grows
 * without bound. Real local directory, whose `put` is held back by the test.
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

/** A local store whose chunk writes wait until `open()` is called. */
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
          if (args[0].startsWith('chunks/')) {
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
    const repo = await Repository.open(held.store, { key, uploadConcurrency: 2, sealThreads: 1 });
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
    // 2 chunks are being written (write slots) and 2 more are sealed (plaintext slots, freed
    // once they get a write slot); a fifth waits for a plaintext slot. If writes held
    // plaintext slots, only 2 + 1 chunks would have left the chunker.
    expect(held.waiting()).toBe(2);
    expect(writer.stats.chunks).toBe(5);
    // the reader stopped: those chunks plus what the chunker and the stream buffer
    expect(consumed).toBeLessThan(6 * chunker.max);
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
