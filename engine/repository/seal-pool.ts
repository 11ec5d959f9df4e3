/**
 * A small pool of worker threads that hash and seal chunks, so that compression,
 * encryption and chunk ids use every core while the main thread only reads and finds
 * chunk boundaries. Chunk memory moves between threads by transfer, never by copy:
 * a chunk goes to a worker with `hash`, stays there while the caller decides whether
 * it is new, and comes back with its sealed object (`seal`) or alone (`release`), to
 * be reused by the chunker. Memory is bounded by the caller (chunks in flight).
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Sealed } from './codec.ts';
import { releaseMemory } from './memory.ts';
import type { SealReply, SealRequest, SealWorkerData } from './seal-protocol.ts';

/** A chunk held by a worker, with its id. */
export interface HeldChunk {
  readonly id: string;
  /** Plaintext bytes. */
  readonly length: number;
  /**
   * Seal it under `context`; the chunk's own memory comes back as `memory` (a part
   * may view it). Call `dispose` once the parts are written: it frees their memory.
   */
  seal(context: string): Promise<Sealed & { readonly memory: Buffer; dispose(): void }>;
  /** Not to be stored: its memory back. */
  release(): Promise<Buffer>;
}

interface Waiter {
  resolve(reply: SealReply): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  readonly waiting: Map<number, Waiter>;
  /** Bytes of chunks handed to this worker and not yet back: the load to balance. */
  load: number;
}

// the worker module next to this one: seal-worker.ts from source, .js once built
const WORKER_URL = new URL(`./seal-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** Worker threads by default: one per core (they are CPU-bound), at most 8. */
export function defaultSealThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

export class SealPool {
  readonly #threads: Thread[];
  #seq = 0;
  #failure: Error | undefined;

  constructor(data: SealWorkerData, threads = defaultSealThreads()) {
    this.#threads = Array.from({ length: Math.max(1, threads) }, () => this.#start(data));
  }

  #start(data: SealWorkerData): Thread {
    const worker = new Worker(WORKER_URL, { workerData: data, name: 'lifeboat-seal' });
    // idle workers must not keep the process alive; busy ones must (a reply is awaited)
    worker.unref();
    const thread: Thread = { worker, waiting: new Map(), load: 0 };
    worker.on('message', (reply: SealReply) => {
      const waiter = thread.waiting.get(reply.seq);
      if (!waiter) return;
      thread.waiting.delete(reply.seq);
      if (thread.waiting.size === 0) worker.unref();
      if ('error' in reply) waiter.reject(new Error(`seal worker: ${reply.error}`));
      else waiter.resolve(reply);
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      for (const waiter of thread.waiting.values()) waiter.reject(error);
      thread.waiting.clear();
    };
    worker.on('error', (error: Error) => {
      fail(new Error(`seal worker failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', (code) => {
      fail(new Error(`seal worker exited (${code})`));
    });
    return thread;
  }

  #send(thread: Thread, request: SealRequest, transfer: ArrayBuffer[] = []): Promise<SealReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<SealReply>((resolve, reject) => {
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(request.seq, { resolve, reject });
      thread.worker.postMessage(request, transfer);
    });
  }

  /**
   * Hand `chunk` to the least loaded worker and learn its id. With `owned`, the chunk
   * owns its whole ArrayBuffer, which is then transferred (the caller must not touch
   * `chunk` afterwards); otherwise its bytes are copied.
   */
  async hash(chunk: Buffer, owned: boolean): Promise<HeldChunk> {
    const thread = this.#threads.reduce((best, t) => (t.load < best.load ? t : best));
    const seq = this.#seq++;
    const length = chunk.length;
    // the Buffer pool's shared slabs are exactly poolSize: never transfer one
    const whole = owned && chunk.byteOffset === 0 && chunk.buffer.byteLength > Buffer.poolSize;
    const buffer = whole ? (chunk.buffer as ArrayBuffer) : new Uint8Array(chunk).buffer;
    thread.load += length;
    let back = false;
    const done = (): void => {
      if (!back) thread.load -= length;
      back = true;
    };
    let reply: SealReply;
    try {
      reply = await this.#send(thread, { op: 'hash', seq, buffer, length }, [buffer]);
    } catch (error) {
      done();
      throw error;
    }
    if (!('id' in reply)) throw new Error('seal worker: unexpected reply to hash');
    return {
      id: reply.id,
      length,
      seal: async (context) => {
        try {
          const r = await this.#send(thread, { op: 'seal', seq, context });
          if (!('parts' in r)) throw new Error('seal worker: unexpected reply to seal');
          const parts = r.parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
          return {
            parts,
            size: r.size,
            memory: Buffer.from(r.input),
            dispose: () => {
              for (const part of parts) if (part.buffer !== r.input) releaseMemory(part);
            },
          };
        } finally {
          done();
        }
      },
      release: async () => {
        try {
          const r = await this.#send(thread, { op: 'release', seq });
          if (!('input' in r)) throw new Error('seal worker: unexpected reply to release');
          return Buffer.from(r.input);
        } finally {
          done();
        }
      },
    };
  }

  /** Stop the workers (chunks still held are dropped). */
  async close(): Promise<void> {
    this.#failure ??= new Error('seal pool closed');
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
  }
}
