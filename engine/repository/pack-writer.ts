/**
 * Gathers a backup's sealed chunks into packs (pack.ts) and writes each pack as one
 * object once it reaches its target size. Chunks are added one at a time, in order;
 * `add` resolves as soon as the chunk is in a pack, and waits only while as many packs
 * as allowed are being written, which bounds memory: at most `maxWriting` packs being
 * written plus the one filling, each at most one chunk over the target. A chunk is
 * durable once `finish` resolves (its pack is written; the pack's name becomes durable
 * at the backup's `syncNames`). A failed write fails every later `add` and `finish`.
 */
import type { Sealed } from './codec.ts';
import type { ObjectStore, PutOptions } from './object-store.ts';
import { newPackId, packKey, packTrailer, type ChunkLocation, type PackEntry } from './pack.ts';

export interface PackWriterOptions {
  readonly store: ObjectStore;
  /** A pack is written once it holds this many bytes. */
  readonly targetBytes: number;
  /** Packs written at once while the next one fills. @default 1 */
  readonly maxWriting?: number;
  /** AES key of the pack headers (as of chunks). */
  readonly dataKey: Buffer | undefined;
  /** Options of every pack's `put` (retention, deferred name sync). */
  readonly putOptions: PutOptions;
}

interface OpenPack {
  readonly id: string;
  readonly parts: Buffer[];
  readonly entries: PackEntry[];
  /** Frees the sealed chunks' memory once written. */
  readonly disposers: (() => void)[];
  size: number;
}

export class PackWriter {
  readonly #options: PackWriterOptions;
  readonly #maxWriting: number;
  #open: OpenPack | undefined;
  readonly #writing = new Set<Promise<void>>();
  /** Adds run one after another: at most one full pack waits for a write slot. */
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown;
  #closed = false;
  /** Ids of the packs written so far. */
  readonly written: string[] = [];

  constructor(options: PackWriterOptions) {
    this.#options = options;
    this.#maxWriting = Math.max(1, options.maxWriting ?? 1);
  }

  /**
   * Append a sealed chunk; resolves with where it lies once it is in a pack. `dispose`
   * frees its memory after its pack is written (or dropped).
   */
  add(id: string, sealed: Sealed, dispose: () => void): Promise<ChunkLocation> {
    const step = this.#queue.then(() => this.#addNow(id, sealed, dispose));
    this.#queue = step.then(
      () => undefined,
      () => undefined,
    );
    return step;
  }

  async #addNow(id: string, sealed: Sealed, dispose: () => void): Promise<ChunkLocation> {
    if (this.#failure !== undefined || this.#closed) {
      dispose();
      throw asError(this.#failure ?? new Error('pack writer is closed'));
    }
    const pack = (this.#open ??= { id: newPackId(), parts: [], entries: [], disposers: [], size: 0 });
    const location = { pack: pack.id, offset: pack.size, length: sealed.size };
    pack.parts.push(...sealed.parts);
    pack.entries.push([id, location.offset, location.length]);
    pack.disposers.push(dispose);
    pack.size += sealed.size;
    if (pack.size >= this.#options.targetBytes) {
      this.#open = undefined;
      while (this.#writing.size >= this.#maxWriting) await Promise.race(this.#writing);
      this.#write(pack);
    }
    return location;
  }

  #write(pack: OpenPack): void {
    const parts = [...pack.parts, ...packTrailer(pack.id, pack.entries, this.#options.dataKey)];
    const task = this.#options.store
      .put(packKey(pack.id), parts, this.#options.putOptions)
      .then(() => {
        this.written.push(pack.id);
      })
      .catch((error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => {
        for (const dispose of pack.disposers) dispose();
        this.#writing.delete(task);
      });
    this.#writing.add(task);
  }

  /** Write the last pack and wait for every write; throws the first failure. */
  async finish(): Promise<string[]> {
    await this.#queue;
    const last = this.#open;
    this.#open = undefined;
    if (last && this.#failure === undefined) this.#write(last);
    else if (last) for (const dispose of last.disposers) dispose();
    await Promise.all(this.#writing);
    this.#closed = true;
    if (this.#failure !== undefined) throw asError(this.#failure);
    return [...this.written];
  }

  /** Give up: wait for writes in progress (their packs become orphans), free everything. */
  async abort(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    const open = this.#open;
    this.#open = undefined;
    if (open) for (const dispose of open.disposers) dispose();
    await Promise.allSettled(this.#writing);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
