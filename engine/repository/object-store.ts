/**
 * The storage contract the repository needs; backends: a local directory and S3.
 * Keys are `/`-separated relative paths. A `put` is atomic: readers see the whole
 * object or none of it, even when the writer crashes.
 */
import type { Readable } from 'node:stream';

export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface PutOptions {
  /** Object Lock retention: the object cannot be deleted or overwritten before `until`. */
  readonly retention?: { readonly mode: LockMode; readonly until: Date };
  /** Refuse to overwrite an existing object (best effort where the backend allows). */
  readonly ifNoneMatch?: boolean;
  /**
   * The object's content is durable when `put` resolves, but its name may become
   * durable only at the next `syncNames` covering it (local directory: the directory
   * entry is fsynced then, once per directory, not once per object). For objects
   * written many at a time before one commit point that `syncNames` them first.
   */
  readonly deferNameSync?: boolean;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly retainUntil?: Date;
}

/** An object's bytes and the store's version of them (undefined: the store gave none). */
export interface VersionedObject {
  readonly body: Buffer;
  readonly version: string | undefined;
}

export interface ObjectStore {
  /** Human-readable location without secrets, for messages. */
  readonly location: string;
  /** Whether `put` retention is enforced by the backend (S3 Object Lock). */
  readonly supportsLock: boolean;
  /**
   * Store an object from buffers (written in order) or a stream of unknown length. A
   * stream's pieces are taken one at a time: where `streamsPuts`, the next is asked for
   * only once the previous one is written.
   */
  put(
    key: string,
    body: readonly Buffer[] | Readable | AsyncIterable<Buffer>,
    options?: PutOptions,
  ): Promise<void>;
  /**
   * Whether a streamed `put` writes each piece as it arrives (local directory) rather
   * than gathering parts in memory first (S3 multipart parts).
   */
  readonly streamsPuts?: boolean;
  /**
   * The whole object; throws NotFoundError when absent. Only for bounded objects. The
   * Buffer is the caller's alone: no other view shares its memory (it may be freed).
   */
  get(key: string): Promise<Buffer>;
  /**
   * `length` bytes of the object from `offset` (a chunk inside a pack); throws
   * NotFoundError when absent, and an Error when the object is shorter. The Buffer is
   * the caller's alone.
   */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /**
   * The whole object unless its current version is `version` (then `'unchanged'`, and
   * no body is transferred), with the version read; throws NotFoundError when absent.
   * Only stores where a read is costly (S3: `If-None-Match` on the ETag) have it; the
   * index cache uses it (index-cache.ts).
   */
  getIfChanged?(key: string, version: string | undefined): Promise<VersionedObject | 'unchanged'>;
  /** The object as a stream; throws NotFoundError when absent. */
  getStream(key: string): Promise<Readable>;
  /** Size and retention, or undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every key starting with `prefix`, with sizes, in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Delete an object (every version of it). Absent is not an error; locked throws. */
  delete(key: string): Promise<void>;
  /**
   * Make the names of these objects durable: after it resolves, a crash cannot lose
   * any of them (local directory: fsync of each distinct directory holding one;
   * S3: nothing to do, a completed PUT is durable). Objects that are absent are
   * ignored.
   */
  syncNames(keys: Iterable<string>): Promise<void>;
  /** Make the retention at least `until`; never shortens it. */
  extendRetention(key: string, mode: LockMode, until: Date): Promise<void>;
  /**
   * Remove leftovers of writes that crashed before completing (temporary files,
   * abandoned uploads) started before `before`. Returns how many were removed.
   */
  sweep(before: Date): Promise<number>;
}

/** The object does not exist. */
export class NotFoundError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`object ${key} not found`);
    this.key = key;
  }
}

/** A range read found the object shorter than asked: it was truncated. */
export class ShortObjectError extends Error {
  readonly key: string;
  constructor(key: string, offset: number, wanted: number, got: number) {
    super(`object ${key} is truncated: ${got} of ${wanted} bytes at offset ${offset}`);
    this.key = key;
  }
}

/** `put` with `ifNoneMatch` found the object already there. */
export class ObjectExistsError extends Error {
  readonly key: string;
  constructor(key: string, options?: ErrorOptions) {
    super(`object ${key} already exists`, options);
    this.key = key;
  }
}

/** The backend refused to delete or overwrite a retained object. */
export class ObjectLockedError extends Error {
  readonly key: string;
  constructor(key: string, options?: ErrorOptions) {
    super(`object ${key} is locked by retention`, options);
    this.key = key;
  }
}
