import { describe, expect, it } from 'vitest';
import { releaseMemory } from '../../../engine/repository/memory.ts';

describe('releaseMemory', () => {
  it('frees a buffer that owns its memory', () => {
    const big = Buffer.allocUnsafeSlow(1024 * 1024);
    releaseMemory(big);
    expect(big.buffer.byteLength).toBe(0);
    expect(big.length).toBe(0);
    releaseMemory(big); // twice is harmless
  });

  it('leaves small buffers from the shared pool alone (other buffers live there)', () => {
    const a = Buffer.from('neighbour');
    const b = Buffer.from('mine');
    expect(a.buffer).toBe(b.buffer); // same pool slab
    releaseMemory(b);
    expect(b.toString()).toBe('mine');
    expect(a.toString()).toBe('neighbour');
  });
});
