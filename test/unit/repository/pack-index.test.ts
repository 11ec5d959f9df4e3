import { describe, expect, it } from 'vitest';
import { parseIndex, serializeIndex, type ChunkIndex } from '../../../engine/repository/pack-index.ts';

const PACK = 'a'.repeat(32);
const CHUNK = 'b'.repeat(64);

describe('chunk index JSON', () => {
  it('round-trips through its JSON, grouped by pack', () => {
    const index: ChunkIndex = new Map([
      [CHUNK, { pack: PACK, offset: 0, length: 10 }],
      ['c'.repeat(64), { pack: PACK, offset: 10, length: 5 }],
      ['d'.repeat(64), { pack: 'e'.repeat(32), offset: 2 ** 40, length: 1 }],
    ]);
    const json = serializeIndex(index);
    expect(JSON.parse(json)).toMatchObject({
      version: 1,
      packs: { [PACK]: [[CHUNK, 0, 10], expect.anything()] },
    });
    expect(parseIndex(json)).toEqual(index);
    expect(parseIndex('{"version":1,"packs":{}}')).toEqual(new Map());
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
  ])('refuses %s, naming what is wrong', (_label, json, message) => {
    expect(() => parseIndex(json)).toThrow(message);
  });
});
