/**
 * Worker thread of `readFd` (fd-reader.ts): fills lent buffers from a file descriptor
 * with blocking reads and hands each back full (or at the end of input). A blocking
 * read on a pipe is woken by the writer directly: no event loop or libuv pool round
 * trip per 64 KiB the pipe holds.
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { FdReaderReply, FdReaderWorkerData } from './fd-reader-protocol.ts';

const { fd } = workerData as FdReaderWorkerData;
const port = parentPort;
if (!port) throw new Error('fd-reader-worker must run as a worker thread');

/** Buffers lent by the reader, to be filled in order. */
const lent: ArrayBuffer[] = [];
let idle = true;
let ended = false;
const pause = new Int32Array(new SharedArrayBuffer(4));

port.on('message', (buffer: ArrayBuffer) => {
  lent.push(buffer);
  if (idle && !ended) fill();
});

function fill(): void {
  idle = false;
  for (let buffer = lent.shift(); buffer !== undefined && !ended; buffer = lent.shift()) {
    const view = new Uint8Array(buffer);
    let length = 0;
    try {
      while (length < view.length) {
        const got = readOnce(view, length);
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
  idle = true;
}

function readOnce(view: Uint8Array, at: number): number {
  for (;;) {
    try {
      return readSync(fd, view, at, view.length - at, null);
    } catch (error) {
      // a descriptor another process left non-blocking: wait a little and try again
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}
