import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Chunker,
  chunkBuffer,
  gearTable,
  validateChunkerParams,
  type ChunkerParams,
} from '../../../engine/repository/chunker.ts';

const SMALL: ChunkerParams = { min: 2048, avg: 8192, max: 32768 };

/** Deterministic pseudo-random bytes (xorshift), fast enough for MBs. */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('chunker', () => {
  it.each([
    ['empty', 0],
    ['below min', 1000],
    ['exactly min', 2048],
    ['a few chunks', 100_000],
    ['many chunks', 1_000_000],
  ])('%s (%i bytes): chunks cover the input and respect min/max', (_label, size) => {
    const data = bytes(size, 7);
    const chunks = chunkBuffer(data, SMALL);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    chunks.forEach((c, i) => {
      expect(c.length).toBeLessThanOrEqual(SMALL.max);
      if (i < chunks.length - 1) expect(c.length).toBeGreaterThanOrEqual(SMALL.min);
    });
    if (size === 0) expect(chunks).toHaveLength(0);
  });

  it('cuts at max in data with no boundary (constant bytes)', () => {
    const chunks = chunkBuffer(Buffer.alloc(100_000, 0), SMALL);
    expect(chunks.slice(0, -1).every((c) => c.length === SMALL.max)).toBe(true);
  });

  it('average chunk size is near the target', () => {
    const chunks = chunkBuffer(bytes(4_000_000, 3), SMALL);
    const avg = 4_000_000 / chunks.length;
    expect(avg).toBeGreaterThan(SMALL.avg * 0.6);
    expect(avg).toBeLessThan(SMALL.avg * 2);
  });

  it.each([1, 7, 100, 4096, 65536, 1_000_000])(
    'streaming in pieces of %i bytes gives the same chunks',
    (piece) => {
      const data = bytes(300_000, 11);
      const whole = chunkBuffer(data, SMALL).map(digest);
      const chunker = new Chunker(SMALL);
      const streamed: Buffer[] = [];
      for (let i = 0; i < data.length; i += piece)
        streamed.push(...chunker.push(data.subarray(i, i + piece)));
      streamed.push(...chunker.finish());
      expect(streamed.map(digest)).toEqual(whole);
    },
  );

  it.each([
    ['insert at start', (d: Buffer) => Buffer.concat([Buffer.from('hello'), d])],
    ['delete in the middle', (d: Buffer) => Buffer.concat([d.subarray(0, 150_000), d.subarray(150_100)])],
    [
      'overwrite 10 bytes',
      (d: Buffer) => Buffer.concat([d.subarray(0, 200_000), Buffer.alloc(10, 1), d.subarray(200_010)]),
    ],
  ])('%s: most chunks survive (content-defined)', (_label, edit) => {
    const data = bytes(1_000_000, 5);
    const before = new Set(chunkBuffer(data, SMALL).map(digest));
    const after = chunkBuffer(edit(data), SMALL).map(digest);
    const shared = after.filter((d) => before.has(d)).length;
    expect(shared / after.length).toBeGreaterThan(0.9);
  });

  it('a different gear table (key) cuts elsewhere', () => {
    const data = bytes(500_000, 9);
    const a = chunkBuffer(data, SMALL).map((c) => c.length);
    const b = chunkBuffer(data, SMALL, gearTable(Buffer.from('another key'))).map((c) => c.length);
    expect(a).not.toEqual(b);
  });

  it.each([
    [{ min: 0, avg: 8192, max: 32768 }],
    [{ min: 4096, avg: 3000, max: 32768 }],
    [{ min: 4096, avg: 8192, max: 4096 }],
    [{ min: 1, avg: 8192, max: 128 * 1024 * 1024 }],
  ])('rejects invalid parameters %j', (p) => {
    expect(() => {
      validateChunkerParams(p);
    }).toThrow(RangeError);
  });
});
