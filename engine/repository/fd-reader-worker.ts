/**
 * Worker thread of `readFd` (fd-reader.ts): fills lent buffers from a file descriptor
 * and hands each back full (or at the end of input).
 *
 * A blocking descriptor (a file, a FIFO the caller opened) is read with blocking reads:
 * on a pipe the read is woken by the writer directly, with no event loop round trip
 * per 64 KiB the pipe holds.
 *
 * A non-blocking one (standard input is, once `process.stdin` exists; readFd makes sure
 * of that for fd 0) is read through this thread's event loop, with the socket's
 * `onread` buffer: the kernel copies each read straight into the lent buffer, at the
 * place it has been filled to, so there is no allocation or copy per read. Unlike a
 * blocking read, an event loop never holds up the process's exit (Node joins worker
 * threads on exit, and a blocking read on a stalled pipe would wait for the writer).
 */
import { readSync } from 'node:fs';
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { FdReaderReply, FdReaderWorkerData } from './fd-reader-protocol.ts';

const { fd } = workerData as FdReaderWorkerData;
const port = parentPort;
if (!port) throw new Error('fd-reader-worker must run as a worker thread');

/** A lent buffer and how far it is filled. */
interface Piece {
  readonly buffer: ArrayBuffer;
  readonly view: Uint8Array;
  length: number;
}

/** Buffers lent by the reader, to be filled in order. */
const lent: ArrayBuffer[] = [];
/** The piece being filled. */
let current: Piece | undefined;
let filling = false;
/** Input ended (or failed): nothing more is read. */
let ended = false;
/** Input ended while no piece was lent: the end goes back with the next one. */
let endPending = false;
/** Set once a read said EAGAIN: the descriptor is read through the event loop from then on. */
let socket: Socket | undefined;
/**
 * Where a read lands while no piece is lent (reading is paused then, so only the first
 * read after a resume lands here; it is moved into the piece lent meanwhile).
 */
let scratch: Uint8Array | undefined;

port.on('message', (buffer: ArrayBuffer) => {
  lent.push(buffer);
  if (endPending) {
    endPending = false;
    current ??= takeLent();
    finish();
  } else if (socket !== undefined) {
    if (current === undefined) {
      current = takeLent();
      socket.resume();
    }
  } else if (!filling && !ended) {
    fill();
  }
});

function takeLent(): Piece | undefined {
  const buffer = lent.shift();
  return buffer === undefined ? undefined : { buffer, view: new Uint8Array(buffer), length: 0 };
}

function send(piece: Piece, end: boolean): void {
  const reply: FdReaderReply = { buffer: piece.buffer, length: piece.length, end };
  port?.postMessage(reply, [piece.buffer]);
}

function fail(error: unknown): void {
  ended = true;
  const e = error as NodeJS.ErrnoException;
  const reply: FdReaderReply = { error: `${e.code ?? 'read failed'}: ${e.message}` };
  port?.postMessage(reply);
}

/** The input ended: the piece being filled goes back as the last one. */
function finish(): void {
  ended = true;
  const piece = current ?? takeLent();
  current = undefined;
  if (piece === undefined) endPending = true;
  else send(piece, true);
}

/** Blocking reads into the lent pieces, until they run out, the input ends or would block. */
function fill(): void {
  filling = true;
  try {
    for (current ??= takeLent(); current !== undefined; current = takeLent()) {
      while (current.length < current.view.length) {
        const got = readBlocking(current);
        if (Number.isNaN(got)) {
          readEvents();
          return;
        }
        if (got === 0) {
          finish();
          return;
        }
        current.length += got;
      }
      send(current, false);
    }
  } catch (error) {
    fail(error);
  } finally {
    filling = false;
  }
}

/** Bytes read into `piece`, 0 at the end; NaN when the descriptor is non-blocking and empty. */
function readBlocking(piece: Piece): number {
  try {
    return readSync(fd, piece.view, piece.length, piece.view.length - piece.length, null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    return Number.NaN;
  }
}

/** From now on, read through the event loop (called with `current` set). */
function readEvents(): void {
  scratch = new Uint8Array(Math.min(64 * 1024, current?.view.length ?? 64 * 1024));
  socket = new Socket({
    fd,
    readable: true,
    writable: false,
    onread: { buffer: nextTarget, callback: onRead },
  });
  socket.on('end', finish);
  socket.on('error', fail);
  // flowing: reads start now, and the end of input is emitted as 'end'
  socket.resume();
}

/** Where the next read lands: the rest of the piece being filled, or the scratch buffer. */
function nextTarget(): Uint8Array {
  if (current !== undefined && current.length < current.view.length)
    return current.view.subarray(current.length);
  return scratch ?? new Uint8Array(1);
}

/** `n` bytes landed in `target`; false pauses reading (no piece left to fill). */
function onRead(n: number, target: Uint8Array): boolean {
  if (current === undefined) throw new Error('fd reader: data read while no buffer was lent');
  if (target.buffer === scratch?.buffer) {
    // the first read after a resume: current is a fresh piece, at least as large as scratch
    current.view.set(target.subarray(0, n), current.length);
  }
  current.length += n;
  if (current.length === current.view.length) {
    send(current, false);
    current = takeLent();
  }
  return current !== undefined;
}
