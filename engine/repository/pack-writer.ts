/**
 * Gathers a backup's sealed chunks into packs (pack.ts) and stores each pack as one
 * object. Chunks are added one at a time, in order; `add` resolves as soon as the chunk
 * is in a pack. Where the store writes a streamed put as it reads it (a local directory),
 * a pack's object is written while the pack fills, so only a few chunks' worth of sealed
 * bytes wait in memory; elsewhere (S3, one PUT per pack) a pack is gathered in memory
 * and stored once full. Either way at most `maxWriting` full packs are being completed
 * while the next fills, which bounds memory. A chunk is durable once `finish` resolves
 * (the pack's name becomes durable at the backup's `syncNames`). A failed write fails
 * every later `add` and `finish`.
 */
import type { Sealed } from './codec.ts';
import type { ObjectStore, PutOptions } from './object-store.ts';
import { newPackId, packKey, packTrailer, type ChunkLocation, type PackEntry } from './pack.ts';

export interface PackWriterOptions {
  readonly store: ObjectStore;
  /** A pack is closed once it holds this many bytes. */
  readonly targetBytes: number;
  /** Full packs being completed at once while the next one fills. @default 1 */
  readonly maxWriting?: number;
  /** AES key of the pack headers (as of chunks). */
  readonly dataKey: Buffer | undefined;
  /** Options of every pack's `put` (retention, deferred name sync). */
  readonly putOptions: PutOptions;
}

/** Sealed bytes a streamed pack lets wait for the disk before `add` waits too. */
const STREAM_QUEUE_BYTES = 2 * 1024 * 1024;
/**
 * Parts up to this size (a sealed chunk's header, nonce and tag) are copied together
 * with their neighbours into one write: one tag + next header + nonce instead of three
 * writes of a few bytes per chunk.
 */
const SMALL_PART = 256;

/** A pack being filled. */
interface PackInProgress {
  readonly id: string;
  readonly entries: PackEntry[];
  size: number;
  /** Take a sealed chunk's parts; `dispose` frees them once they are written or dropped. */
  append(parts: readonly Buffer[], dispose: () => void): Promise<void>;
  /** Add the trailer and complete the object; resolves once it is stored. */
  finish(trailer: readonly Buffer[]): Promise<void>;
  /** Give it up (the backup is aborted): frees its memory, leaves no object. */
  drop(): Promise<void>;
}

/** Gathered in memory, stored with one `put` (S3: one PUT). */
class BufferedPack implements PackInProgress {
  readonly id = newPackId();
  readonly entries: PackEntry[] = [];
  size = 0;
  readonly #parts: Buffer[] = [];
  readonly #disposers: (() => void)[] = [];
  readonly #store: ObjectStore;
  readonly #putOptions: PutOptions;

  constructor(store: ObjectStore, putOptions: PutOptions) {
    this.#store = store;
    this.#putOptions = putOptions;
  }

  append(parts: readonly Buffer[], dispose: () => void): Promise<void> {
    this.#parts.push(...parts);
    this.#disposers.push(dispose);
    return Promise.resolve();
  }

  async finish(trailer: readonly Buffer[]): Promise<void> {
    try {
      await this.#store.put(packKey(this.id), [...this.#parts, ...trailer], this.#putOptions);
    } finally {
      this.#dispose();
    }
  }

  drop(): Promise<void> {
    this.#dispose();
    return Promise.resolve();
  }

  #dispose(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#parts.length = 0;
  }
}

/** Written while it fills: the store pulls each part once it wrote the previous one. */
class StreamedPack implements PackInProgress {
  readonly id = newPackId();
  readonly entries: PackEntry[] = [];
  size = 0;
  readonly #queue: { part: Buffer; written?: () => void }[] = [];
  #queued = 0;
  /** Copies of small parts waiting to go out with the next large one (or at the end). */
  readonly #small: Buffer[] = [];
  #ended = false;
  #dropped = false;
  #failure: unknown;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;
  readonly #stored: Promise<void>;

  constructor(store: ObjectStore, putOptions: PutOptions) {
    this.#stored = store.put(packKey(this.id), this.#pieces(), putOptions);
    this.#stored.catch((error: unknown) => {
      this.#failure ??= error;
      this.#wake();
    });
  }

  async *#pieces(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.#dropped) throw new Error('pack dropped: the backup was aborted');
      const next = this.#queue.shift();
      if (next) {
        this.#queued -= next.part.length;
        this.#wake();
        yield next.part;
        // resumed: the store wrote it and wants the next
        next.written?.();
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wakeReader = resolve));
    }
  }

  #wake(): void {
    const reader = this.#wakeReader;
    const writer = this.#wakeWriter;
    this.#wakeReader = undefined;
    this.#wakeWriter = undefined;
    reader?.();
    writer?.();
  }

  async append(parts: readonly Buffer[], dispose: () => void): Promise<void> {
    if (this.#failure !== undefined) {
      dispose();
      throw asError(this.#failure);
    }
    let lastLarge: { part: Buffer; written?: () => void } | undefined;
    for (const part of parts) {
      if (part.length <= SMALL_PART) {
        this.#small.push(Buffer.from(part));
        continue;
      }
      this.#flushSmall();
      lastLarge = { part };
      this.#push(lastLarge);
    }
    // small parts are copies: the chunk's memory is done with once its large parts are written
    if (lastLarge) lastLarge.written = dispose;
    else dispose();
    this.#wake();
    while (this.#queued > STREAM_QUEUE_BYTES && !this.#failed())
      await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
    if (this.#failed()) throw asError(this.#failure);
  }

  /** Set by the store's put failing, across awaits. */
  #failed(): boolean {
    return this.#failure !== undefined;
  }

  #push(entry: { part: Buffer; written?: () => void }): void {
    this.#queue.push(entry);
    this.#queued += entry.part.length;
  }

  #flushSmall(): void {
    if (this.#small.length === 0) return;
    this.#push({ part: Buffer.concat(this.#small.splice(0)) });
  }

  async finish(trailer: readonly Buffer[]): Promise<void> {
    for (const part of trailer) {
      if (part.length <= SMALL_PART) {
        this.#small.push(part);
      } else {
        this.#flushSmall();
        this.#push({ part });
      }
    }
    this.#flushSmall();
    this.#ended = true;
    this.#wake();
    try {
      await this.#stored;
    } finally {
      this.#disposeQueued();
    }
  }

  async drop(): Promise<void> {
    this.#dropped = true;
    this.#wake();
    await this.#stored.catch(() => undefined);
    this.#disposeQueued();
  }

  /** Parts the store never took (it failed, or the pack was dropped). */
  #disposeQueued(): void {
    for (const entry of this.#queue.splice(0)) entry.written?.();
    this.#queued = 0;
  }
}

export class PackWriter {
  readonly #options: PackWriterOptions;
  readonly #maxWriting: number;
  #open: PackInProgress | undefined;
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
   * frees its memory once it is written (or dropped).
   */
  add(id: string, sealed: Sealed, dispose: () => void): Promise<ChunkLocation> {
    const step = this.#queue.then(() => this.#addNow(id, sealed, dispose));
    this.#queue = step.then(
      () => undefined,
      () => undefined,
    );
    return step;
  }

  #newPack(): PackInProgress {
    const { store, putOptions } = this.#options;
    return store.streamsPuts === true
      ? new StreamedPack(store, putOptions)
      : new BufferedPack(store, putOptions);
  }

  async #addNow(id: string, sealed: Sealed, dispose: () => void): Promise<ChunkLocation> {
    if (this.#failure !== undefined || this.#closed) {
      dispose();
      throw asError(this.#failure ?? new Error('pack writer is closed'));
    }
    const pack = (this.#open ??= this.#newPack());
    const location = { pack: pack.id, offset: pack.size, length: sealed.size };
    pack.entries.push([id, location.offset, location.length]);
    pack.size += sealed.size;
    try {
      await pack.append(sealed.parts, dispose);
    } catch (error) {
      this.#failure ??= error;
      throw error;
    }
    if (pack.size >= this.#options.targetBytes) {
      this.#open = undefined;
      while (this.#writing.size >= this.#maxWriting) await Promise.race(this.#writing);
      this.#complete(pack);
    }
    return location;
  }

  #complete(pack: PackInProgress): void {
    const task = pack
      .finish(packTrailer(pack.id, pack.entries, this.#options.dataKey))
      .then(() => {
        this.written.push(pack.id);
      })
      .catch((error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => {
        this.#writing.delete(task);
      });
    this.#writing.add(task);
  }

  /** Write the last pack and wait for every write; throws the first failure. */
  async finish(): Promise<string[]> {
    await this.#queue;
    const last = this.#open;
    this.#open = undefined;
    if (last && this.#failure === undefined) this.#complete(last);
    else if (last) await last.drop();
    await Promise.all(this.#writing);
    this.#closed = true;
    if (this.#failure !== undefined) throw asError(this.#failure);
    return [...this.written];
  }

  /** Give up: the open pack leaves no object; packs already written become orphans. */
  async abort(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    const open = this.#open;
    this.#open = undefined;
    await open?.drop();
    await Promise.allSettled(this.#writing);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
