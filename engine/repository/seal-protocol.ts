/** Messages between the seal pool (main thread) and its workers. Internal. */

export interface SealWorkerData {
  /** AES-256 key of chunks; none in an unencrypted repository. */
  readonly dataKey: Uint8Array | undefined;
  /** HMAC key of chunk ids; none in an unencrypted repository (plain SHA-256). */
  readonly idKey: Uint8Array | undefined;
  /** zstd level; 0 = none. */
  readonly level: number;
}

export type SealRequest =
  /** Take the chunk (its memory is transferred) and reply with its id. */
  | { readonly op: 'hash'; readonly seq: number; readonly buffer: ArrayBuffer; readonly length: number }
  /** Seal the held chunk under `context` (its id); the chunk's memory comes back. */
  | { readonly op: 'seal'; readonly seq: number; readonly context: string }
  /** Give the held chunk's memory back unsealed (already stored). */
  | { readonly op: 'release'; readonly seq: number };

export type SealReply =
  | { readonly seq: number; readonly id: string }
  | {
      readonly seq: number;
      /** The sealed object, in order; a part may view `input`. */
      readonly parts: Uint8Array[];
      readonly size: number;
      readonly input: ArrayBuffer;
    }
  | { readonly seq: number; readonly input: ArrayBuffer }
  | { readonly seq: number; readonly error: string };
