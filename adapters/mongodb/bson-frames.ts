/**
 * Splits a byte stream of concatenated BSON documents back into documents. BSON is
 * self-delimiting (each document starts with its total length as int32 little-endian),
 * so the data artifact needs no other framing. Pure: no I/O beyond the given iterable.
 */

/** Smallest valid BSON document: length (4) + terminating NUL (1). */
const MIN_DOC = 5;

/** A malformed data artifact: says where the framing broke. */
export class BsonFrameError extends Error {}

/**
 * Yield each document of `chunks` as its own Buffer (a view when it lies within one
 * chunk, a copy when it spans chunks). Throws BsonFrameError on a bad length or a
 * truncated tail. `maxDocBytes` bounds memory on corrupt input.
 */
export async function* bsonDocuments(
  chunks: AsyncIterable<Uint8Array>,
  maxDocBytes = 48 * 1024 * 1024,
): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0; // bytes of the stream consumed before `carry`
  for await (const chunk of chunks) {
    const buf =
      carry.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([carry, chunk]);
    let pos = 0;
    while (buf.length - pos >= 4) {
      const len = buf.readInt32LE(pos);
      if (len < MIN_DOC || len > maxDocBytes) {
        throw new BsonFrameError(`bad BSON document length ${len} at byte ${offset + pos}`);
      }
      if (buf.length - pos < len) break;
      if (buf[pos + len - 1] !== 0)
        throw new BsonFrameError(`BSON document at byte ${offset + pos} does not end with NUL`);
      yield buf.subarray(pos, pos + len);
      pos += len;
    }
    offset += pos;
    carry = pos === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
  }
  if (carry.length > 0)
    throw new BsonFrameError(`truncated BSON document at byte ${offset} (${carry.length} bytes left)`);
}
