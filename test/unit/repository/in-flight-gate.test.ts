import { describe, expect, it } from 'vitest';
import { InFlightGate } from '../../../engine/repository/in-flight-gate.ts';

/** Whether `p` has settled after pending microtasks ran. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('in-flight gate', () => {
  it('bounds bytes in flight, not only the chunk count', async () => {
    const gate = new InFlightGate(8, 10);
    await gate.acquire(4);
    await gate.acquire(4);
    const third = gate.acquire(4); // 12 > 10 bytes although only 2 of 8 chunks
    expect(await settled(third)).toBe(false);
    gate.release(4);
    expect(await settled(third)).toBe(true);
    expect(gate.inFlight).toEqual({ count: 2, bytes: 8 });
  });

  it('bounds the chunk count', async () => {
    const gate = new InFlightGate(2, 1000);
    await gate.acquire(1);
    await gate.acquire(1);
    const third = gate.acquire(1);
    expect(await settled(third)).toBe(false);
    gate.release(1);
    expect(await settled(third)).toBe(true);
  });

  it('admits one chunk larger than the budget when nothing is in flight', async () => {
    const gate = new InFlightGate(8, 10);
    await gate.acquire(50);
    const next = gate.acquire(1);
    expect(await settled(next)).toBe(false);
    gate.release(50);
    expect(await settled(next)).toBe(true);
  });

  it('serves waiters in order: a small chunk does not overtake a large one', async () => {
    const gate = new InFlightGate(8, 10);
    await gate.acquire(6);
    const order: string[] = [];
    const large = gate.acquire(8).then(() => {
      order.push('large');
    });
    const small = gate.acquire(2).then(() => {
      order.push('small');
    });
    expect(await settled(small)).toBe(false); // 2 would fit, but the large one waits first
    gate.release(6);
    await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
    expect(gate.inFlight).toEqual({ count: 2, bytes: 10 });
  });
});
