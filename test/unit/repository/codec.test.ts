import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SealError, seal, unseal } from '../../../engine/repository/codec.ts';

const KEY = randomBytes(32);
const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(200));
const noise = randomBytes(10_000);

function flip(o: Buffer, at: number, bits: number): Buffer {
  o.writeUInt8((o.readUInt8(at) ^ bits) & 0xff, at);
  return o;
}

describe('codec', () => {
  it.each([
    ['text, encrypted', text, KEY, 1],
    ['text, plain', text, undefined, 1],
    ['random, encrypted', noise, KEY, 1],
    ['empty, encrypted', Buffer.alloc(0), KEY, 1],
    ['text, no compression', text, KEY, 0],
  ])('%s round-trips', async (_label, data, key, level) => {
    const sealed = await seal(data, { key, level, context: 'ctx' });
    const object = Buffer.concat(sealed.parts);
    expect(object.length).toBe(sealed.size);
    expect((await unseal(object, { key, context: 'ctx' })).equals(data)).toBe(true);
  });

  it('compresses text and skips compression where it does not help', async () => {
    const t = await seal(text, { key: KEY, context: 'c' });
    expect(t.size).toBeLessThan(text.length / 5);
    const n = await seal(noise, { key: KEY, context: 'c' });
    expect(n.size).toBe(noise.length + 2 + 12 + 16);
  });

  it('uses a fresh nonce every time', async () => {
    const a = Buffer.concat((await seal(text, { key: KEY, context: 'c' })).parts);
    const b = Buffer.concat((await seal(text, { key: KEY, context: 'c' })).parts);
    expect(a.subarray(2, 14).equals(b.subarray(2, 14))).toBe(false);
  });

  const tampers: [string, (o: Buffer) => Buffer, Buffer | undefined, string][] = [
    ['flipped body byte', (o) => flip(o, 20, 1), KEY, 'c'],
    ['flipped tag byte', (o) => flip(o, o.length - 1, 1), KEY, 'c'],
    ['flag cleared', (o) => flip(o, 1, 1), KEY, 'c'],
    ['truncated', (o) => o.subarray(0, o.length - 5), KEY, 'c'],
    ['other name (context)', (o) => o, KEY, 'other'],
    ['wrong key', (o) => o, randomBytes(32), 'c'],
    ['no key', (o) => o, undefined, 'c'],
  ];
  it.each(tampers)('%s is rejected', async (_label, tamper, key, context) => {
    const object = tamper(Buffer.concat((await seal(text, { key: KEY, context: 'c' })).parts));
    await expect(unseal(object, { key, context })).rejects.toBeInstanceOf(SealError);
  });
});
