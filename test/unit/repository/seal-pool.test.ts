import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkIdFunction } from '../../../engine/repository/chunk-id.ts';
import { unseal } from '../../../engine/repository/codec.ts';
import { SealPool } from '../../../engine/repository/seal-pool.ts';

const dataKey = randomBytes(32);
const idKey = randomBytes(32);
const text = (n: number): Buffer =>
  Buffer.from('row 42\tsome text\t3.14\n'.repeat(Math.ceil(n / 22)).slice(0, n));

describe('SealPool', () => {
  const pool = new SealPool({ dataKey, idKey, level: 1 }, 2);
  afterAll(() => pool.close());

  it('ids and seals in the worker exactly as the codec does; the chunk memory comes back', async () => {
    const chunk = Buffer.allocUnsafeSlow(1024 * 1024);
    text(chunk.length).copy(chunk);
    const expected = Buffer.from(chunk);
    const held = await pool.hash(chunk, true);
    expect(chunk.buffer.byteLength).toBe(0); // transferred, not copied
    expect(held.id).toBe(chunkIdFunction(idKey)(expected));
    const sealed = await held.seal(held.id);
    const object = Buffer.concat(sealed.parts);
    expect(object.length).toBe(sealed.size);
    expect(sealed.size).toBeLessThan(expected.length / 3); // compressed
    expect((await unseal(object, { key: dataKey, context: held.id })).equals(expected)).toBe(true);
    expect(sealed.memory.buffer.byteLength).toBe(1024 * 1024); // the same memory, for reuse
    sealed.dispose();
  });

  it('release gives the chunk back untouched; a chunk that is not owned is copied', async () => {
    const mine = text(300_000);
    const held = await pool.hash(mine, false);
    expect(mine.length).toBe(300_000); // still the caller's
    const back = await held.release();
    expect(back.equals(mine)).toBe(true);
  });

  it('many chunks at once, spread over the workers, each with its own id', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => Buffer.from(`${i}:`.repeat(50_000)));
    const ids = await Promise.all(
      chunks.map(async (c) => {
        const held = await pool.hash(Buffer.from(c), true);
        const sealed = await held.seal(held.id);
        expect(
          (await unseal(Buffer.concat(sealed.parts), { key: dataKey, context: held.id })).equals(c),
        ).toBe(true);
        return held.id;
      }),
    );
    expect(new Set(ids).size).toBe(12);
  });

  it('a closed pool refuses work', async () => {
    const closed = new SealPool({ dataKey: undefined, idKey: undefined, level: 1 }, 1);
    await closed.close();
    await expect(closed.hash(Buffer.from('x'), false)).rejects.toThrow(/closed/);
  });
});
