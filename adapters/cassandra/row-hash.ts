/**
 * Order-independent table fingerprints: xxHash64 of each row's canonical encoding
 * (`row-codec.ts`), summed modulo 2^64, plus the row count. A sum keeps duplicates from
 * cancelling (unlike XOR) and lets the token-range splits of one table, hashed in
 * parallel, be combined in any order.
 */
import xxhash from 'xxhash-wasm';
import type { TableFingerprint } from '../../engine/model/index.ts';

const MASK = (1n << 64n) - 1n;
let loading: Promise<(s: string) => bigint> | undefined;

/** The string hash (the WebAssembly module is compiled once per process). */
export function loadHash(): Promise<(s: string) => bigint> {
  loading ??= xxhash().then((api) => (s: string) => api.h64(s));
  return loading;
}

/** Accumulates rows of one split or table; `merge` combines splits. */
export class RowSum {
  rows = 0;
  sum = 0n;

  add(hash: bigint): void {
    this.sum = (this.sum + hash) & MASK;
    this.rows++;
  }

  merge(other: RowSum): void {
    this.sum = (this.sum + other.sum) & MASK;
    this.rows += other.rows;
  }

  result(): TableFingerprint {
    return { rows: this.rows, hash: this.sum.toString(16).padStart(16, '0') };
  }
}
