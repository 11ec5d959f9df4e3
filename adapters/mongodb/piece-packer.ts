/**
 * Packs raw BSON documents into pieces of about `pieceBytes` for the sink, copying each
 * document once, as it arrives, into the piece being filled. The cursor's reply buffers are
 * then free as soon as their batch is packed (no array of per-document views keeps them
 * alive until a piece is complete), and with `reuse` a piece's memory is recycled once the
 * sink is done with it, so a stream holds a fixed set of piece buffers instead of
 * allocating one per megabyte. Pure: no I/O.
 */

/** A run of whole documents, concatenated. */
export interface Piece {
  readonly bytes: Buffer;
  readonly documents: number;
}

export interface PiecePackerOptions {
  /** Target piece size; a document larger than this becomes a piece of its own. */
  readonly pieceBytes: number;
  /**
   * Recycle the memory of pieces handed back with `recycle` (the sink copied what it kept).
   * @default false
   */
  readonly reuse?: boolean;
  /** Recycled buffers kept for reuse at most. @default 8 */
  readonly maxFree?: number;
}

export class PiecePacker {
  readonly #size: number;
  readonly #reuse: boolean;
  readonly #maxFree: number;
  /** Buffers the packer owns (allocated here, `#size` bytes), ready to be filled again. */
  readonly #free: Buffer[] = [];
  /** Buffers allocated here and handed out in pieces, so `recycle` accepts only those. */
  readonly #owned = new WeakSet<ArrayBufferLike>();
  #buf: Buffer | undefined;
  #used = 0;
  #docs = 0;

  constructor(options: PiecePackerOptions) {
    if (!(options.pieceBytes >= 1)) throw new RangeError(`invalid piece size ${options.pieceBytes}`);
    this.#size = options.pieceBytes;
    this.#reuse = options.reuse ?? false;
    this.#maxFree = options.maxFree ?? 8;
  }

  /** Bytes packed into the unfinished piece. */
  get pending(): number {
    return this.#used;
  }

  /**
   * Add one document (its bytes are copied, or for an oversized document referenced, so
   * the caller's buffer is not kept by a partial piece). Appends the pieces this completes
   * (none, one, or two when an oversized document follows a partial piece) to `out`.
   */
  add(doc: Uint8Array, out: Piece[]): void {
    const n = doc.byteLength;
    if (this.#used > 0 && this.#used + n > this.#size) this.#flush(out);
    if (n > this.#size) {
      // A document bigger than a piece goes alone, as it is: copying it would only double it.
      out.push({ bytes: Buffer.from(doc.buffer, doc.byteOffset, n), documents: 1 });
      return;
    }
    const buf = (this.#buf ??= this.#take());
    buf.set(doc, this.#used);
    this.#used += n;
    this.#docs++;
    if (this.#used === this.#size) this.#flush(out);
  }

  /** The last, partial piece, if any. */
  finish(out: Piece[]): void {
    if (this.#used > 0) this.#flush(out);
  }

  /**
   * The sink is done with `piece`: its memory may be filled again (only with `reuse`, and
   * only for memory this packer allocated). The caller must not touch the piece afterwards.
   */
  recycle(piece: Piece): void {
    const memory = piece.bytes.buffer;
    if (!this.#reuse || !this.#owned.has(memory) || this.#free.length >= this.#maxFree) return;
    this.#free.push(Buffer.from(memory, 0, this.#size));
  }

  #take(): Buffer {
    const recycled = this.#free.pop();
    if (recycled !== undefined) return recycled;
    // Its own memory (not the shared pool), so recycling it can never touch other data.
    const fresh = Buffer.allocUnsafeSlow(this.#size);
    this.#owned.add(fresh.buffer);
    return fresh;
  }

  #flush(out: Piece[]): void {
    const buf = this.#buf;
    if (buf === undefined) return;
    out.push({ bytes: buf.subarray(0, this.#used), documents: this.#docs });
    this.#buf = undefined;
    this.#used = 0;
    this.#docs = 0;
  }
}
