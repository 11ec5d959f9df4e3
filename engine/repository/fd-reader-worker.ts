/**
 * Worker thread of `readFd` (fd-reader.ts): fills lent buffers from a file descriptor
 * and hands each back full (or at the end of input). It reads with blocking reads: on a
 * pipe the read is woken by the writer directly, with no event loop or libuv pool round
 * trip per 64 KiB the pipe holds. If the descriptor turns out non-blocking (Node makes
 * stdin non-blocking as soon as anything touches `process.stdin`, and some libraries do
 * at import), it reads through this thread's own event loop instead (epoll, no busy
 * waiting), still off the main thread.
 */
import { readSync } from 'node:fs';
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { FdReaderReply, FdReaderWorkerData } from './fd-reader-protocol.ts';

const { fd } = workerData as FdReaderWorkerData;
const port = parentPort;
if (!port) throw new Error('fd-reader-worker must run as a worker thread');

/** Buffers lent by the reader, to be filled in order. */
const lent: ArrayBuffer[] = [];
let filling = false;
let ended = false;
/** Set once a read said EAGAIN: the descriptor is read through the event loop from then on. */
let events: AsyncIterator<Buffer> | undefined;
/** What the event loop delivered beyond the last buffer filled. */
let leftover: Buffer | undefined;

port.on('message', (buffer: ArrayBuffer) => {
  lent.push(buffer);
  if (!filling && !ended) void fill();
});

async function fill(): Promise<void> {
  filling = true;
  for (let buffer = lent.shift(); buffer !== undefined && !ended; buffer = lent.shift()) {
    const view = new Uint8Array(buffer);
    let length = 0;
    try {
      while (length < view.length) {
        let got = events === undefined ? readBlocking(view, length) : await readEvents(view, length);
        if (Number.isNaN(got)) got = await readEvents(view, length);
        if (got === 0) {
          ended = true;
          break;
        }
        length += got;
      }
    } catch (error) {
      ended = true;
      const e = error as NodeJS.ErrnoException;
      const reply: FdReaderReply = { error: `${e.code ?? 'read failed'}: ${e.message}` };
      port?.postMessage(reply);
      return;
    }
    const reply: FdReaderReply = { buffer, length, end: ended };
    port?.postMessage(reply, [buffer]);
  }
  filling = false;
}

/** Bytes read into `view` at `at`, 0 at the end; NaN when it switched to events (EAGAIN). */
function readBlocking(view: Uint8Array, at: number): number {
  try {
    return readSync(fd, view, at, view.length - at, null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    const socket = new Socket({ fd, readable: true, writable: false });
    events = (socket as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    return Number.NaN;
  }
}

async function readEvents(view: Uint8Array, at: number): Promise<number> {
  if (leftover === undefined) {
    const next = await events?.next();
    if (next === undefined || next.done === true) return 0;
    leftover = next.value;
  }
  const n = Math.min(leftover.length, view.length - at);
  view.set(leftover.subarray(0, n), at);
  leftover = n < leftover.length ? leftover.subarray(n) : undefined;
  return n;
}
