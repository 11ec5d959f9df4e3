import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { BsonFrameError, bsonDocuments } from '../../../adapters/mongodb/bson-frames.ts';

const docs = [{ _id: 1 }, { _id: 2, s: 'x'.repeat(300) }, { _id: 3, n: { deep: [1, 2] } }].map((d) =>
  Buffer.from(BSON.serialize(d)),
);
const all = Buffer.concat(docs);

async function* chunked(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) {
    await Promise.resolve();
    yield buf.subarray(i, i + size);
  }
}

async function collect(it: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const d of it) out.push(d.toString('hex'));
  return out;
}

describe('bsonDocuments', () => {
  it.each([1, 3, 4, 5, 17, 64, all.length, all.length * 2])(
    'splits documents from %i-byte chunks',
    async (size) => {
      expect(await collect(bsonDocuments(chunked(all, size)))).toEqual(docs.map((d) => d.toString('hex')));
    },
  );

  it('yields nothing for an empty stream', async () => {
    expect(await collect(bsonDocuments(chunked(Buffer.alloc(0), 8)))).toEqual([]);
  });

  it.each([
    ['a truncated tail', all.subarray(0, all.length - 3), /truncated BSON document at byte/],
    ['a bad length', Buffer.concat([all, Buffer.from([1, 0, 0, 0])]), /bad BSON document length 1 at byte/],
    ['a missing terminator', Buffer.from([5, 0, 0, 0, 7]), /does not end with NUL/],
  ])('rejects %s', async (_name, input, message) => {
    await expect(collect(bsonDocuments(chunked(input, 7)))).rejects.toThrow(BsonFrameError);
    await expect(collect(bsonDocuments(chunked(input, 7)))).rejects.toThrow(message);
  });
});
