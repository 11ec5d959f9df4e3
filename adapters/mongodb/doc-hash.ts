/**
 * Order-independent collection hashing. Each document's raw BSON bytes are hashed to
 * 128 bits (xxHash64 under two different seeds, concatenated) and the hashes are summed
 * modulo 2^128. A sum, unlike XOR, keeps duplicate documents from cancelling out, and any
 * read order gives the same result, so a dump read in one order and a restored copy read
 * in another compare equal. The server stores and returns a document's fields in the
 * order they were written, so the raw bytes are canonical for the same document.
 * The chance that two different collections collide is about 2^-128 against accidental
 * damage (xxHash is not a defence against an adversary).
 */
import xxhash from 'xxhash-wasm';
import type { TableFingerprint } from '../../engine/model/index.ts';

/** A 128-bit document hash function. */
export type DocHash = (doc: Uint8Array) => bigint;

const SEED_HIGH = 0x4c6966656230617an; // arbitrary, fixed forever: part of FORMAT.md
const SEED_LOW = 0x4d6f6e676f444221n;

let loading: Promise<DocHash> | undefined;

/** The document hash (the WebAssembly module is compiled once per process). */
export function loadDocHash(): Promise<DocHash> {
  loading ??= xxhash().then(
    (api) => (doc: Uint8Array) => (api.h64Raw(doc, SEED_HIGH) << 64n) | api.h64Raw(doc, SEED_LOW),
  );
  return loading;
}

const MASK = (1n << 128n) - 1n;

/** Accumulates one collection's fingerprint while its documents stream by. */
export class CollectionHasher {
  readonly #hash: DocHash;
  #docs = 0;
  #sum = 0n;

  constructor(hash: DocHash) {
    this.#hash = hash;
  }

  /** Add one document, given as its raw BSON bytes. */
  add(doc: Uint8Array): void {
    this.#sum = (this.#sum + this.#hash(doc)) & MASK;
    this.#docs++;
  }

  get docs(): number {
    return this.#docs;
  }

  /** The fingerprint so far: document count and the 128-bit sum as 32 hex digits. */
  result(): TableFingerprint {
    return { rows: this.#docs, hash: this.#sum.toString(16).padStart(32, '0') };
  }
}
