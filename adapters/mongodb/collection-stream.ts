/**
 * One collection as a stream of pieces of concatenated raw BSON documents: a raw cursor
 * (the driver hands out each document as a view of its reply, never decoded), each
 * document hashed for the fingerprint and copied once into a ~1 MiB piece, a whole batch
 * at a time. The cursor reads ahead of the consumer (a few pieces) so the server works on
 * the next batch while the sink chunks, compresses and stores this one; that read-ahead
 * bounds the stream's memory.
 */
import type { MongoClient } from 'mongodb';
import { CancelledError } from '../../engine/errors.ts';
import type { ProgressSink } from '../types.ts';
import type { CollectionHasher } from './doc-hash.ts';
import { adapterError, type ErrorSite } from './errors.ts';
import { PiecePacker, type Piece } from './piece-packer.ts';

/**
 * Documents per cursor batch (~250 KiB replies of 1-KiB documents). FerretDB/SQLite spends
 * the same CPU per MB for batches of 100 to 4000 (~0.38 s/MB), so the size is chosen for
 * memory: a reply stays referenced by the cursor while the stream waits for the sink, long
 * enough for V8 to move it to the old generation, where dead replies pile up until a full
 * GC. Measured (2-stream dump, 130 MB): peak RSS 248 MiB with 1000, 184 MiB with 250; 35 MB:
 * 206 vs 185 MiB at the same FerretDB CPU (11.8 vs 11.3 s) and no slower (15.6 vs 12.4 s).
 */
export const CURSOR_BATCH = 250;
/** Bytes of documents per piece handed to the sink. */
export const PIECE_BYTES = 1024 * 1024;
/** Pieces read ahead of the sink per collection. */
export const READ_AHEAD_PIECES = 4;

export interface CollectionStreamOptions {
  readonly hasher: CollectionHasher;
  readonly progress: ProgressSink;
  readonly signal: AbortSignal;
  readonly site: ErrorSite;
  /**
   * The sink is done with a piece when it asks for the next (`ArtifactSink.consumesEachPiece`):
   * piece memory is then recycled.
   */
  readonly reusePieces?: boolean;
}

/**
 * Stream `db.collection` as raw BSON pieces, hashing every document into `hasher`. Stops
 * with CancelledError when `signal` aborts; other failures become AdapterErrors.
 */
export async function* collectionStream(
  client: MongoClient,
  db: string,
  collection: string,
  options: CollectionStreamOptions,
): AsyncGenerator<Buffer> {
  const { hasher, progress, signal } = options;
  const cursor = client
    .db(db)
    .collection(collection)
    .find({}, { raw: true, enableUtf8Validation: false, batchSize: CURSOR_BATCH });
  const packer = new PiecePacker({
    pieceBytes: PIECE_BYTES,
    reuse: options.reusePieces === true,
    maxFree: READ_AHEAD_PIECES + 1,
  });
  const queue: Piece[] = [];
  const state: { done: boolean; stopped: boolean; failure: unknown } = {
    done: false,
    stopped: false,
    failure: undefined,
  };
  let wake: (() => void) | undefined;
  let space: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const publish = (pieces: Piece[]): void => {
    if (pieces.length === 0) return;
    for (const piece of pieces) {
      queue.push(piece);
      progress.bytes(piece.bytes.length);
      progress.rows(piece.documents);
    }
    pieces.length = 0;
    notify();
  };
  const producer = (async () => {
    const completed: Piece[] = [];
    const pack = (raw: unknown): void => {
      const doc = raw as Buffer;
      hasher.add(doc);
      packer.add(doc, completed);
    };
    try {
      // One await per batch, not per document: the first document of each batch comes from
      // the iterator (which fetches the batch), the rest straight from the driver's buffer.
      for await (const first of cursor) {
        if (signal.aborted) throw new CancelledError(`mongodb dump of ${db}.${collection} cancelled`);
        pack(first);
        for (const raw of cursor.readBufferedDocuments()) pack(raw);
        publish(completed);
        while (queue.length >= READ_AHEAD_PIECES && !isStopped(state)) {
          await new Promise<void>((resolve) => {
            space = resolve;
          });
        }
        if (isStopped(state)) return;
      }
      packer.finish(completed);
      publish(completed);
    } catch (error) {
      state.failure = error;
    } finally {
      state.done = true;
      notify();
    }
  })();
  try {
    for (;;) {
      const piece = queue.shift();
      if (piece !== undefined) {
        const s = space;
        space = undefined;
        s?.();
        yield piece.bytes;
        // The consumer asked for the next piece: with reusePieces it is done with this one.
        packer.recycle(piece);
        continue;
      }
      if (state.failure !== undefined) {
        if (state.failure instanceof CancelledError) throw state.failure;
        throw adapterError(`dump collection ${db}.${collection}`, options.site, state.failure);
      }
      if (state.done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    state.stopped = true;
    space?.();
    await cursor.close().catch(() => undefined);
    await producer;
  }
}

/** Read through a function: the flag changes across awaits, which narrowing cannot see. */
function isStopped(state: { readonly stopped: boolean }): boolean {
  return state.stopped;
}
