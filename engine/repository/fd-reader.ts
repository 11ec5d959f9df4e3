/**
 * Read a file descriptor (stdin: a pipe or a file) as pieces of `pieceBytes`, on a
 * worker thread that reads straight into the pieces (fd-reader-worker.ts). Reading a
 * pipe with `fs.read` costs a libuv pool round trip per 64 KiB (the pipe's capacity),
 * i.e. ~32,000 wake-ups of the main thread per 2 GiB, which compete for the cores the
 * seal workers need; here the main thread gets one message per full piece.
 *
 * The pieces are lent: a piece's memory goes back to the reader when the consumer
 * asks for the next one, so the consumer must be done with it by then (as
 * `ArtifactSink.consumesEachPiece` sinks are). A few pieces are read ahead.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FdReaderReply, FdReaderWorkerData } from './fd-reader-protocol.ts';

// the worker module next to this one: fd-reader-worker.ts from source, .js once built
const WORKER_URL = new URL(`./fd-reader-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export interface FdReaderOptions {
  /** @default 1 MiB */
  readonly pieceBytes?: number;
  /** Pieces in circulation (one lent to the consumer, the rest read ahead). @default 4 */
  readonly pieces?: number;
}

/** Pieces of `fd` until its end; a read error throws (naming `what`). */
export async function* readFd(
  fd: number,
  what: string,
  options: FdReaderOptions = {},
): AsyncGenerator<Buffer, void, undefined> {
  const pieceBytes = options.pieceBytes ?? 1024 * 1024;
  // Standard input as a non-blocking descriptor (creating `process.stdin` makes a pipe
  // or socket so; paused, that stream never reads): the worker then reads it through
  // its event loop, and a stalled writer cannot hold up the exit of a backup that failed.
  if (fd === 0) process.stdin.pause();
  const data: FdReaderWorkerData = { fd };
  const worker = new Worker(WORKER_URL, { workerData: data, name: 'lifeboat-fd-reader' });
  const replies: FdReaderReply[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (reply: FdReaderReply) => {
    replies.push(reply);
    notify();
  });
  worker.on('error', (error: Error) => {
    failure ??= new Error(`reading ${what} failed: ${error.message}`, { cause: error });
    notify();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`reading ${what} failed: reader thread exited (${code})`);
    notify();
  });
  let ended = false;
  try {
    for (let i = 0; i < Math.max(2, options.pieces ?? 4); i++) {
      const buffer = new ArrayBuffer(pieceBytes);
      worker.postMessage(buffer, [buffer]);
    }
    for (;;) {
      const reply = replies.shift();
      if (reply === undefined) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if ('error' in reply) throw new Error(`reading ${what} failed: ${reply.error}`);
      ended = reply.end;
      if (reply.length > 0) yield Buffer.from(reply.buffer, 0, reply.length);
      if (reply.end) return;
      // the consumer asked for more: the piece it had goes back to be filled again
      worker.postMessage(reply.buffer, [reply.buffer]);
    }
  } finally {
    worker.removeAllListeners('exit');
    if (ended) {
      await worker.terminate();
    } else {
      // stopped early: the thread may sit in a blocking read that nothing interrupts
      // until the writer writes or closes; let it go with the process
      worker.unref();
      void worker.terminate();
    }
  }
}
