import { describe, expect, it } from 'vitest';
import { decodeIndexBytes, encodeIndex, type ChunkIndex } from '../../../engine/repository/pack-index.ts';

const PACK = 'a'.repeat(32);
const CHUNK = 'b'.repeat(64);
const index: ChunkIndex = new Map([
  [CHUNK, { pack: PACK, offset: 0, length: 10 }],
  ['c'.repeat(64), { pack: PACK, offset: 10, length: 5 }],
  ['0123456789abcdef'.repeat(4), { pack: 'e'.repeat(32), offset: 2 ** 40 + 3, length: 2 ** 32 - 1 }],
]);

/** An index as format 1 wrote it (JSON, before session 7): repositories still hold them. */
function formatOne(packs: unknown): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, packs }), 'utf8');
}

describe('chunk index bytes', () => {
  it('round-trips through the binary format, grouped by pack (offsets above 4 GiB too)', () => {
    const bytes = encodeIndex(index);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('LBI2');
    // header, two packs, three entries
    expect(bytes.length).toBe(8 + 2 * 20 + 3 * 42);
    expect(decodeIndexBytes(bytes)).toEqual(index);
    expect(decodeIndexBytes(encodeIndex(new Map()))).toEqual(new Map());
  });

  it('refuses to write ids that are not lowercase hex of the right length', () => {
    expect(() => encodeIndex(new Map([[CHUNK, { pack: 'A'.repeat(32), offset: 0, length: 1 }]]))).toThrow(
      'invalid pack id',
    );
    expect(() => encodeIndex(new Map([['xyz', { pack: PACK, offset: 0, length: 1 }]]))).toThrow(
      'invalid chunk id "xyz"',
    );
  });

  it.each([
    ['cut inside the header', (b: Buffer) => b.subarray(0, 6), 'ends inside its header'],
    ['cut inside a pack head', (b: Buffer) => b.subarray(0, 8 + 10), 'ends inside pack 0'],
    ['cut inside the entries', (b: Buffer) => b.subarray(0, b.length - 1), 'ends inside the entries of pack'],
    [
      'with bytes after the last pack',
      (b: Buffer) => Buffer.concat([b, Buffer.of(0)]),
      '1 bytes after the last pack',
    ],
    [
      'an entry of length 0',
      (b: Buffer) => {
        const c = Buffer.from(b);
        c.writeUInt32BE(0, 8 + 20 + 38);
        return c;
      },
      'entry 0 has length 0',
    ],
  ])('refuses a binary index %s', (_label, damage, message) => {
    expect(() => decodeIndexBytes(damage(encodeIndex(index)))).toThrow(message);
  });

  it('reads format 1 (JSON) indexes', () => {
    expect(
      decodeIndexBytes(
        formatOne({
          [PACK]: [
            [CHUNK, 0, 10],
            ['c'.repeat(64), 10, 5],
          ],
          ['e'.repeat(32)]: [['0123456789abcdef'.repeat(4), 2 ** 40 + 3, 2 ** 32 - 1]],
        }),
      ),
    ).toEqual(index);
    expect(decodeIndexBytes(formatOne({}))).toEqual(new Map());
  });

  it.each([
    ['another version', '{"version":2,"packs":{}}', 'not version 1'],
    ['no packs', '{"version":1}', 'packs is not an object'],
    ['packs as a list', '{"version":1,"packs":[]}', 'packs is not an object'],
    ['a bad pack id', `{"version":1,"packs":{"xyz":[]}}`, 'invalid pack id "xyz"'],
    ['entries not a list', `{"version":1,"packs":{"${PACK}":{}}}`, `packs.${PACK} is not a list`],
    ['a pair', `{"version":1,"packs":{"${PACK}":[["${CHUNK}",0]]}}`, `packs.${PACK}[0] is not a triple`],
    [
      'a short chunk id',
      `{"version":1,"packs":{"${PACK}":[["abc",0,1]]}}`,
      `packs.${PACK}[0] is not [chunk id`,
    ],
    ['a negative offset', `{"version":1,"packs":{"${PACK}":[["${CHUNK}",-1,1]]}}`, `[0] is not [chunk id`],
    ['a fractional offset', `{"version":1,"packs":{"${PACK}":[["${CHUNK}",1.5,1]]}}`, `[0] is not [chunk id`],
    ['an empty chunk', `{"version":1,"packs":{"${PACK}":[["${CHUNK}",0,0]]}}`, `[0] is not [chunk id`],
    ['a length as text', `{"version":1,"packs":{"${PACK}":[["${CHUNK}",0,"9"]]}}`, `[0] is not [chunk id`],
    ['null', 'null', 'not version 1'],
  ])('refuses a format 1 index with %s, naming what is wrong', (_label, json, message) => {
    expect(() => decodeIndexBytes(Buffer.from(json))).toThrow(message);
  });
});
