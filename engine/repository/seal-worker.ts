/**
 * Worker thread of the seal pool (`seal-pool.ts`): computes chunk ids and seals
 * chunks (zstd + AES-256-GCM) off the main thread. A chunk's memory arrives
 * transferred (not copied) with `hash`, stays here until `seal` or `release`, and
 * goes back transferred so the chunker can reuse it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { chunkIdFunction } from './chunk-id.ts';
import { sealSync } from './codec.ts';
import type { SealReply, SealRequest, SealWorkerData } from './seal-protocol.ts';

const data = workerData as SealWorkerData;
const key = data.dataKey ? Buffer.from(data.dataKey) : undefined;
const chunkId = chunkIdFunction(data.idKey);
/** seq → the chunk held between `hash` and `seal`/`release`. */
const held = new Map<number, Buffer>();
/** Parts smaller than this are copied (cheap); larger ones have their memory transferred. */
const TRANSFER_MIN = 64 * 1024;

const port = parentPort;
if (!port) throw new Error('seal-worker must run as a worker thread');

port.on('message', (request: SealRequest) => {
  try {
    port.postMessage(...handle(request));
  } catch (error) {
    held.delete(request.seq);
    const reply: SealReply = {
      seq: request.seq,
      error: error instanceof Error ? error.message : String(error),
    };
    port.postMessage(reply);
  }
});

function handle(request: SealRequest): [SealReply, ArrayBuffer[]] {
  switch (request.op) {
    case 'hash': {
      const chunk = Buffer.from(request.buffer, 0, request.length);
      held.set(request.seq, chunk);
      return [{ seq: request.seq, id: chunkId(chunk) }, []];
    }
    case 'seal': {
      const chunk = take(request.seq);
      const sealed = sealSync(chunk, { key, level: data.level, context: request.context });
      const transfer: ArrayBuffer[] = [chunk.buffer as ArrayBuffer];
      const parts = sealed.parts.map((part) => {
        // a part may be the chunk itself (stored as is): it travels with the chunk's memory
        if (part.buffer === chunk.buffer) return part;
        if (part.length < TRANSFER_MIN || transfer.includes(part.buffer as ArrayBuffer))
          return new Uint8Array(part);
        transfer.push(part.buffer as ArrayBuffer);
        return part;
      });
      return [{ seq: request.seq, parts, size: sealed.size, input: chunk.buffer as ArrayBuffer }, transfer];
    }
    case 'release': {
      const chunk = take(request.seq);
      return [{ seq: request.seq, input: chunk.buffer as ArrayBuffer }, [chunk.buffer as ArrayBuffer]];
    }
  }
}

function take(seq: number): Buffer {
  const chunk = held.get(seq);
  if (!chunk) throw new Error(`seal worker holds no chunk ${seq}`);
  held.delete(seq);
  return chunk;
}
