/**
 * Admission to a backup's chunks in flight: at most `count` chunks and `bytes`
 * plaintext bytes (one chunk is always admitted when none is in flight, so a chunk
 * larger than the budget still passes, alone). Bytes, not only a count, because each
 * chunk in flight holds its own memory plus its compressed and encrypted copies in a
 * worker, and chunk sizes vary 8× (512 KiB – 4 MiB). First come, first served.
 */
export class InFlightGate {
  readonly #count: number;
  readonly #bytes: number;
  #usedCount = 0;
  #usedBytes = 0;
  readonly #waiters: { n: number; resolve: () => void }[] = [];

  constructor(count: number, bytes: number) {
    this.#count = Math.max(1, count);
    this.#bytes = bytes;
  }

  /** Chunks and bytes admitted and not yet released. */
  get inFlight(): { readonly count: number; readonly bytes: number } {
    return { count: this.#usedCount, bytes: this.#usedBytes };
  }

  #fits(n: number): boolean {
    return this.#usedCount === 0 || (this.#usedCount < this.#count && this.#usedBytes + n <= this.#bytes);
  }

  /** Resolves once a chunk of `n` bytes may go. */
  async acquire(n: number): Promise<void> {
    if (this.#waiters.length === 0 && this.#fits(n)) {
      this.#usedCount++;
      this.#usedBytes += n;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push({ n, resolve }));
  }

  /** A chunk of `n` bytes is done; admit the waiters that now fit, in order. */
  release(n: number): void {
    this.#usedCount--;
    this.#usedBytes -= n;
    for (let next = this.#waiters[0]; next && this.#fits(next.n); next = this.#waiters[0]) {
      this.#waiters.shift();
      this.#usedCount++;
      this.#usedBytes += next.n;
      next.resolve();
    }
  }
}
