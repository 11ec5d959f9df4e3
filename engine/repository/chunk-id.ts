/**
 * Chunk ids: HMAC-SHA256 of the plaintext under the id key, so ids reveal nothing
 * about content to someone without the key; plain SHA-256 in unencrypted repositories.
 */
import { createHash, createHmac } from 'node:crypto';

/** A function from plaintext chunk to its 64-hex-character id. */
export type ChunkIdFn = (data: Uint8Array) => string;

export function chunkIdFunction(idKey: Uint8Array | undefined): ChunkIdFn {
  if (idKey === undefined) return (data) => createHash('sha256').update(data).digest('hex');
  return (data) => createHmac('sha256', idKey).update(data).digest('hex');
}

/** True for a well-formed chunk id. */
export function isChunkId(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
