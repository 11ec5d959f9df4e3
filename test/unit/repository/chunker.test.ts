import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Chunker,
  chunkBuffer,
  DEFAULT_CHUNKER_PARAMS,
  gearTable,
  PLAIN_GEAR_TABLE,
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

  it.each([
    ['small parameters', SMALL],
    ['default parameters', DEFAULT_CHUNKER_PARAMS],
  ])(
    'cuts exactly where the byte-by-byte definition does (%s), whatever the pieces and their alignment',
    (_label, params) => {
      // The definition (FastCDC-style gear hash, normalised masks), one byte at a time: the
      // chunker reads four bytes at once, and its cut points are the repository's format
      // (unchanged cuts are what deduplicates against older backups).
      const gear = new Int32Array(PLAIN_GEAR_TABLE.buffer);
      const bits = Math.log2(params.avg);
      const maskS = (0xffffffff << (32 - bits - 2)) | 0;
      const maskL = (0xffffffff << (32 - bits + 2)) | 0;
      const reference = (data: Buffer): number[] => {
        const sizes: number[] = [];
        let start = 0;
        let h = 0;
        for (let i = 0; i < data.length; i++) {
          const size = i - start + 1;
          h = ((h << 1) + (gear[data[i] as number] as number)) | 0;
          const mask = size <= params.avg ? maskS : maskL;
          if ((size >= params.min && (h & mask) === 0) || size === params.max) {
            sizes.push(size);
            start = i + 1;
            h = 0;
          }
        }
        if (start < data.length) sizes.push(data.length - start);
        return sizes;
      };
      const size = params === SMALL ? 400_000 : 12 * 1024 * 1024;
      // random bytes, then a stretch with no boundary (cut at max)
      const data = Buffer.concat([bytes(size, 13), Buffer.alloc(params.max * 2 + 5, 7), bytes(size / 4, 17)]);
      const expected = reference(data);
      expect(expected.length).toBeGreaterThan(10);
      let seed = 99;
      const random = (below: number): number => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed % below;
      };
      for (const maxPiece of [1, 3, 5, 64, 4099, 1 << 20]) {
        const chunker = new Chunker(params);
        const sizes: number[] = [];
        for (let at = 0; at < data.length;) {
          const length = Math.min(data.length - at, 1 + random(maxPiece));
          // a copy at an odd offset of its own memory: word reads must not depend on alignment
          const shift = random(4);
          const piece = Buffer.alloc(length + shift);
          data.copy(piece, shift, at, at + length);
          for (const c of chunker.push(piece.subarray(shift))) sizes.push(c.length);
          at += length;
          if (maxPiece === 1 && at > 200_000) {
            // byte pieces are slow: finish with one piece
            for (const c of chunker.push(data.subarray(at))) sizes.push(c.length);
            at = data.length;
          }
        }
        for (const c of chunker.finish()) sizes.push(c.length);
        expect(sizes, `pieces of up to ${maxPiece} bytes`).toEqual(expected);
      }
    },
  );

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
