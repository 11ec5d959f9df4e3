import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { CollectionHasher, loadDocHash } from '../../../adapters/mongodb/doc-hash.ts';

const docs = [
  { _id: 1, a: 'x' },
  { _id: 2, a: 'y' },
  { _id: 3, b: [1, 2] },
].map((d) => BSON.serialize(d));

async function fingerprintOf(list: readonly Uint8Array[]): Promise<{ rows: number; hash: string }> {
  const h = new CollectionHasher(await loadDocHash());
  for (const d of list) h.add(d);
  return h.result();
}

describe('CollectionHasher', () => {
  it('is independent of document order', async () => {
    const a = await fingerprintOf(docs);
    const b = await fingerprintOf([...docs].reverse());
    expect(b).toEqual(a);
    expect(a.rows).toBe(3);
    expect(a.hash).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['a missing document', docs.slice(0, 2)],
    ['a duplicated document', [...docs, docs[0] as Uint8Array]],
    [
      'a document twice instead of two different ones',
      [docs[0] as Uint8Array, docs[0] as Uint8Array, docs[2] as Uint8Array],
    ],
    ['a changed value', [BSON.serialize({ _id: 1, a: 'X' }), docs[1] as Uint8Array, docs[2] as Uint8Array]],
    [
      'a different key order',
      [BSON.serialize({ a: 'x', _id: 1 }), docs[1] as Uint8Array, docs[2] as Uint8Array],
    ],
  ])('differs for %s', async (_name, other) => {
    expect(await fingerprintOf(other)).not.toEqual(await fingerprintOf(docs));
  });

  it('empty collection: zero rows and a zero hash', async () => {
    expect(await fingerprintOf([])).toEqual({ rows: 0, hash: '0'.repeat(32) });
  });

  it('is stable across versions (the hash is part of the archive format)', async () => {
    expect(await fingerprintOf([BSON.serialize({ _id: 1 })])).toMatchInlineSnapshot(`
      {
        "hash": "6ad2b6c23919f4d7ce3cefdca2cd5284",
        "rows": 1,
      }
    `);
  });
});
