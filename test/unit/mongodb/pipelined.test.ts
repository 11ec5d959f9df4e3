import { describe, expect, it } from 'vitest';
import { pipelined } from '../../../adapters/mongodb/_pipelined.ts';

/** A promise with its resolve/reject exposed. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('pipelined', () => {
  it('pulls the next item while the only task in flight runs (limit 1)', async () => {
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    async function* items(): AsyncGenerator<number> {
      for (let i = 0; i < 3; i++) {
        await Promise.resolve();
        log.push(`pull ${i}`);
        yield i;
      }
    }
    const done = pipelined(items(), 1, async (i) => {
      log.push(`start ${i}`);
      await gates[i]?.promise;
      log.push(`end ${i}`);
    });
    await tick();
    // item 1 was pulled (decoded) before task 0 ended, but not started
    expect(log).toEqual(['pull 0', 'start 0', 'pull 1']);
    gates[0]?.resolve();
    await tick();
    expect(log).toEqual(['pull 0', 'start 0', 'pull 1', 'end 0', 'start 1', 'pull 2']);
    gates[1]?.resolve();
    gates[2]?.resolve();
    await done;
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start 0', 'start 1', 'start 2']);
  });

  it('never runs more than limit tasks at once', async () => {
    let running = 0;
    let peak = 0;
    async function* items(): AsyncGenerator<number> {
      for (let i = 0; i < 20; i++) {
        await Promise.resolve();
        yield i;
      }
    }
    await pipelined(items(), 3, async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
    });
    expect(peak).toBe(3);
  });

  it('stops pulling after the first failure, waits for the tasks in flight, throws that failure', async () => {
    const pulled: number[] = [];
    const finished: number[] = [];
    async function* items(): AsyncGenerator<number> {
      for (let i = 0; i < 100; i++) {
        await Promise.resolve();
        pulled.push(i);
        yield i;
      }
    }
    const slow = deferred();
    const run = pipelined(items(), 2, async (i) => {
      if (i === 0) {
        await slow.promise;
        finished.push(0);
        return;
      }
      await tick();
      throw new Error(`task ${i} failed`);
    });
    await tick();
    await tick();
    slow.resolve();
    await expect(run).rejects.toThrow('task 1 failed');
    expect(finished).toEqual([0]);
    expect(pulled.length).toBeLessThan(5);
  });

  it('throws a failure of the producer after the tasks in flight end', async () => {
    const finished: number[] = [];
    async function* items(): AsyncGenerator<number> {
      yield 0;
      await tick();
      throw new Error('artifact corrupt');
    }
    await expect(
      pipelined(items(), 1, async (i) => {
        await tick();
        await tick();
        finished.push(i);
      }),
    ).rejects.toThrow('artifact corrupt');
    expect(finished).toEqual([0]);
  });
});
