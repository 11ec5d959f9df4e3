import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../engine/controller/work-queue.ts';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A handler whose calls stay open until released, recording what ran and how many at once. */
function gatedHandler() {
  const calls: string[] = [];
  const gates = new Map<string, () => void>();
  let running = 0;
  let maxRunning = 0;
  return {
    calls,
    get maxRunning() {
      return maxRunning;
    },
    release(key: string) {
      gates.get(key)?.();
      gates.delete(key);
    },
    handler: async (key: string) => {
      calls.push(key);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => gates.set(key, resolve));
      running--;
      return undefined;
    },
  };
}

describe('WorkQueue', () => {
  it('queues a waiting key once however often it is added', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(
      (k) => {
        seen.push(k);
        return Promise.resolve(undefined);
      },
      { concurrency: 1 },
    );
    q.pause();
    for (let i = 0; i < 5; i++) q.add('ns/a');
    q.add('ns/b');
    q.resume();
    await tick(10);
    expect(seen).toEqual(['ns/a', 'ns/b']);
  });

  it('never runs one key twice at once; a change meanwhile runs it once more afterwards', async () => {
    const h = gatedHandler();
    const q = new WorkQueue(h.handler, { concurrency: 4 });
    q.add('ns/a');
    await tick();
    q.add('ns/a');
    q.add('ns/a');
    await tick();
    expect(h.calls).toEqual(['ns/a']);
    h.release('ns/a');
    await tick();
    expect(h.calls).toEqual(['ns/a', 'ns/a']);
    h.release('ns/a');
    await q.idle();
    expect(h.maxRunning).toBe(1);
  });

  it('runs at most `concurrency` keys at once', async () => {
    const h = gatedHandler();
    const q = new WorkQueue(h.handler, { concurrency: 2 });
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await tick();
    expect(h.calls).toEqual(['a', 'b']);
    h.release('a');
    await tick();
    expect(h.calls).toEqual(['a', 'b', 'c']);
    for (const k of ['b', 'c']) h.release(k);
    await tick();
    h.release('d');
    await q.idle();
    expect(h.maxRunning).toBe(2);
  });

  it('retries a failure with growing backoff and reports it', async () => {
    const at: number[] = [];
    const errors: number[] = [];
    const q = new WorkQueue(
      () => {
        at.push(Date.now());
        return at.length < 3 ? Promise.reject(new Error('boom')) : Promise.resolve(undefined);
      },
      { concurrency: 1, baseBackoffMs: 20 },
      (_key, _error, retryInMs) => errors.push(retryInMs),
    );
    q.add('k');
    await tick(200);
    expect(at).toHaveLength(3);
    expect(errors).toEqual([20, 40]);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(35);
  });

  it('requeues after requeueAfterMs, and pause holds keys until resume', async () => {
    let n = 0;
    const q = new WorkQueue(
      () => {
        n++;
        return Promise.resolve(n === 1 ? { requeueAfterMs: 30 } : undefined);
      },
      { concurrency: 1 },
    );
    q.add('k');
    await tick(5);
    expect(n).toBe(1);
    q.pause();
    await tick(60);
    expect(n).toBe(1);
    q.resume();
    await tick(5);
    expect(n).toBe(2);
    q.stop();
    q.add('k');
    await tick(5);
    expect(n).toBe(2);
  });
});
