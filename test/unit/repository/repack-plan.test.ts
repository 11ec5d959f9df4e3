import { describe, expect, it } from 'vitest';
import { parseMaxUnused, repackCandidates, type PackUse } from '../../../engine/repository/repack-plan.ts';

const pack = (id: string, size: number, used: [number, number][]): PackUse => ({
  id,
  size,
  used: new Map(used),
});

describe('repackCandidates', () => {
  const uses = [
    pack('a', 1000, [[0, 990]]), // 10 unused (a header)
    pack('b', 1000, [[0, 400]]), // 600 unused
    pack('c', 1000, [
      [0, 300],
      [500, 200],
    ]), // 500 unused
  ];

  it('within the limit: nothing to examine', () => {
    const out = repackCandidates(uses, 0.5);
    expect(out).toEqual({ limit: 1500, unused: 1110, ordered: [] });
  });

  it('over the limit: packs with unused bytes, most unused first', () => {
    const out = repackCandidates(uses, 0.05);
    expect(out.limit).toBe(150);
    expect(out.unused).toBe(1110);
    expect(out.ordered.map((u) => u.id)).toEqual(['b', 'c', 'a']);
  });

  it('a limit of 0 examines every pack with unused bytes; Infinity none', () => {
    expect(repackCandidates(uses, 0).ordered).toHaveLength(3);
    expect(repackCandidates([pack('x', 10, [[0, 10]])], 0).ordered).toEqual([]);
    expect(repackCandidates(uses, Infinity).ordered).toEqual([]);
  });
});

describe('parseMaxUnused', () => {
  it.each([
    ['5', 0.05],
    ['5%', 0.05],
    ['0.5%', 0.005],
    ['0', 0],
    ['100', 1],
    ['unlimited', Infinity],
    [' Unlimited ', Infinity],
  ])('%s', (text, fraction) => {
    expect(parseMaxUnused(text)).toBeCloseTo(fraction);
  });

  it.each(['-1', '101', 'five', '5 %', ''])('rejects "%s" naming the value', (text) => {
    expect(() => parseMaxUnused(text)).toThrow(`not "${text}"`);
  });
});
