import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../engine/repository/read-ahead.ts';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('readAhead', () => {
  it('yields in order with at most `ahead` steps started beyond the consumer', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const out: number[] = [];
    for await (const [item, outcome] of readAhead([5, 1, 4, 2, 3], 3, async (n) => {
      started.push(n);
      most = Math.max(most, ++running);
      await tick(n * 2);
      running--;
      return n * 10;
    })) {
      expect(outcome).toEqual({ ok: true, value: item * 10 });
      out.push(item);
    }
    expect(out).toEqual([5, 1, 4, 2, 3]);
    expect(started).toEqual([5, 1, 4, 2, 3]);
    expect(most).toBe(3);
  });

  it('a failed step is an outcome, not a throw; stopping early leaves no unhandled rejection', async () => {
    const seen: string[] = [];
    for await (const [item, outcome] of readAhead(['a', 'bad', 'c', 'bad2'], 4, (s) =>
      s.startsWith('bad') ? Promise.reject(new Error(s)) : Promise.resolve(s),
    )) {
      seen.push(outcome.ok ? `ok ${item}` : `failed ${(outcome.error as Error).message}`);
      if (item === 'c') break;
    }
    expect(seen).toEqual(['ok a', 'failed bad', 'ok c']);
    await tick(5);
  });

  it('ahead below 1 still runs one at a time; no items, no steps', async () => {
    const out: number[] = [];
    for await (const [n] of readAhead([1, 2], 0, (x) => Promise.resolve(x))) out.push(n);
    expect(out).toEqual([1, 2]);
    for await (const _ of readAhead([], 4, () => Promise.resolve(0))) throw new Error('no items');
  });
});
