/**
 * Order-independent table hashing: each row's canonical bytes are hashed and the digests
 * are added lane-wise (four 32-bit lanes, modulo 2^32 each). Addition, unlike XOR, keeps
 * duplicate rows from cancelling out, and any row order gives the same result, so a dump
 * read by several streams and a restored copy read in another order compare equal. Pure.
 */
import { hash } from 'node:crypto';
import type { TableFingerprint } from '../../engine/model/index.ts';

/** Accumulates one table's fingerprint while its rows stream by. */
export class TableHasher {
  #rows = 0;
  readonly #lanes = new Uint32Array(4);

  /** Add one row, given as its canonical encoding (see `encodeRow`). */
  add(row: Buffer): void {
    const digest = hash('sha256', row, 'buffer');
    for (let i = 0; i < 4; i++) {
      this.#lanes[i] = ((this.#lanes[i] as number) + digest.readUInt32BE(i * 4)) >>> 0;
    }
    this.#rows++;
  }

  get rows(): number {
    return this.#rows;
  }

  /** The fingerprint so far: row count and the 128-bit lane sum as hex. */
  result(): TableFingerprint {
    const out = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) out.writeUInt32BE(this.#lanes[i] as number, i * 4);
    return { rows: this.#rows, hash: out.toString('hex') };
  }
}
