import { describe, expect, it } from 'vitest';
import { PiecePacker, type Piece } from '../../../adapters/mongodb/piece-packer.ts';

/** A fake "document" of `n` bytes filled with `fill` (the packer never parses them). */
function doc(n: number, fill: number): Buffer {
  return Buffer.alloc(n, fill);
}

function packAll(packer: PiecePacker, docs: readonly Buffer[]): Piece[] {
  const out: Piece[] = [];
  for (const d of docs) packer.add(d, out);
  packer.finish(out);
  return out;
}

describe('PiecePacker', () => {
  it('concatenates whole documents in order, never past the piece size', () => {
    const docs = [doc(3, 1), doc(4, 2), doc(2, 3), doc(5, 4), doc(1, 5)];
    const pieces = packAll(new PiecePacker({ pieceBytes: 8 }), docs);
    // 3+4 = 7 (a 2 would make 9 > 8), then 2+5+1 = 8 exactly
    expect(pieces.map((p) => [p.bytes.length, p.documents])).toEqual([
      [7, 2],
      [8, 3],
    ]);
    expect(Buffer.concat(pieces.map((p) => p.bytes))).toEqual(Buffer.concat(docs));
  });

  it('closes a piece that is exactly full at once', () => {
    const out: Piece[] = [];
    const packer = new PiecePacker({ pieceBytes: 4 });
    packer.add(doc(4, 7), out);
    expect(out).toHaveLength(1);
    expect(packer.pending).toBe(0);
  });

  it('copies documents: the caller may overwrite its buffer after add', () => {
    const out: Piece[] = [];
    const packer = new PiecePacker({ pieceBytes: 16 });
    const reply = doc(4, 9);
    packer.add(reply, out);
    reply.fill(0);
    packer.finish(out);
    expect(out[0]?.bytes).toEqual(doc(4, 9));
  });

  it('passes a document larger than a piece alone, uncopied, after the partial piece', () => {
    const big = doc(20, 8);
    const pieces = packAll(new PiecePacker({ pieceBytes: 8 }), [doc(3, 1), big, doc(2, 2)]);
    expect(pieces.map((p) => [p.bytes.length, p.documents])).toEqual([
      [3, 1],
      [20, 1],
      [2, 1],
    ]);
    expect(pieces[1]?.bytes.buffer).toBe(big.buffer);
  });

  it('reuses the memory of recycled pieces only with reuse', () => {
    for (const reuse of [true, false]) {
      const packer = new PiecePacker({ pieceBytes: 4, reuse });
      const out: Piece[] = [];
      packer.add(doc(4, 1), out);
      const first = out[0] as Piece;
      packer.recycle(first);
      packer.add(doc(4, 2), out);
      const second = out[1] as Piece;
      expect(second.bytes.buffer === first.bytes.buffer).toBe(reuse);
      expect(second.bytes).toEqual(doc(4, 2));
    }
  });

  it('never recycles memory it did not allocate (an oversized document is the caller’s)', () => {
    const packer = new PiecePacker({ pieceBytes: 4, reuse: true });
    const out: Piece[] = [];
    const big = doc(10, 3);
    packer.add(big, out);
    packer.recycle(out[0] as Piece);
    packer.add(doc(4, 4), out);
    expect(out[1]?.bytes.buffer).not.toBe(big.buffer);
    expect(big).toEqual(doc(10, 3));
  });

  it('keeps at most maxFree recycled buffers', () => {
    const packer = new PiecePacker({ pieceBytes: 2, reuse: true, maxFree: 1 });
    const out: Piece[] = [];
    packer.add(doc(2, 1), out);
    packer.add(doc(2, 2), out);
    const [a, b] = out as [Piece, Piece];
    packer.recycle(a);
    packer.recycle(b); // dropped: the free list is full
    packer.add(doc(2, 3), out);
    packer.add(doc(2, 4), out);
    expect(out[2]?.bytes.buffer).toBe(a.bytes.buffer);
    expect(out[3]?.bytes.buffer).not.toBe(b.bytes.buffer);
  });
});
