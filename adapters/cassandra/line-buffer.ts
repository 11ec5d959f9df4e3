/**
 * Lines written as UTF-8 straight into large buffers (pure): no array of strings, no
 * join, no second copy. Each line is followed by `\n`; `take` hands over what was
 * written as chunks of at most `size` bytes (or one line, when a line is longer).
 */

/** Bytes per chunk. */
export const CHUNK_SIZE = 1 << 20;

export class LineBuffer {
  private readonly size: number;
  private buf: Buffer;
  private used = 0;
  private readonly chunks: Buffer[] = [];

  constructor(size = CHUNK_SIZE) {
    this.size = size;
    this.buf = Buffer.allocUnsafe(size);
  }

  push(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8; plus the newline.
    const worst = line.length * 3 + 1;
    if (this.used + worst > this.buf.length) {
      this.flush();
      if (worst > this.buf.length) this.buf = Buffer.allocUnsafe(worst);
    }
    this.used += this.buf.write(line, this.used, 'utf8');
    this.buf[this.used++] = 0x0a;
  }

  /** The chunks written so far; the buffer starts over. */
  take(): Buffer[] {
    this.flush();
    return this.chunks.splice(0);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.buf.subarray(0, this.used));
    this.buf = Buffer.allocUnsafe(this.size);
    this.used = 0;
  }
}
