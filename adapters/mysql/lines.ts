/**
 * Splitting a byte stream into lines without decoding it first. Every data statement is
 * one line (literals escape their newlines), so lines are statements. Pure over its input.
 */

/** Yield each `\n`-terminated line (without the `\n`); a last unterminated line too. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let nl = buf.indexOf(0x0a, start);
    while (nl !== -1) {
      const piece = buf.subarray(start, nl);
      if (pendingLength > 0) {
        pending.push(piece);
        yield Buffer.concat(pending, pendingLength + piece.length);
        pending = [];
        pendingLength = 0;
      } else {
        yield piece;
      }
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      pending.push(rest);
      pendingLength += rest.length;
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending, pendingLength);
}
