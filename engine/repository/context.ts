/** What every repository operation shares once the repository is open. Internal. */
import type { RepositoryConfig } from './config.ts';
import type { ChunkIdFn } from './chunk-id.ts';
import type { IndexCache } from './index-cache.ts';
import type { ObjectStore } from './object-store.ts';

export interface RepositoryContext {
  readonly store: ObjectStore;
  readonly config: RepositoryConfig;
  /** AES key of chunks and manifests; undefined in an unencrypted repository. */
  readonly dataKey: Buffer | undefined;
  /** HMAC key of chunk ids; undefined in an unencrypted repository (plain SHA-256). */
  readonly idKey: Buffer | undefined;
  readonly chunkId: ChunkIdFn;
  readonly gear: Uint32Array;
  /** Lifetime of lock objects; refreshed every third of it. */
  readonly lockTtlMs: number;
  /** At most this many chunks in flight per backup (bytes in flight are bounded too: backup-writer.ts). */
  readonly uploadConcurrency: number;
  /** Worker threads that hash and seal a backup's chunks. */
  readonly sealThreads: number;
  /** Size a backup's packs are written at (pack.ts). */
  readonly packBytes: number;
  /** Local copies of index objects (index-cache.ts); undefined: none. */
  readonly indexCache: IndexCache | undefined;
}

export const MANIFEST_PREFIX = 'manifests/';

export function manifestKey(backupId: string): string {
  return `${MANIFEST_PREFIX}${backupId}`;
}

export function manifestContext(backupId: string): string {
  return `manifest:${backupId}`;
}
