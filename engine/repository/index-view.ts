/**
 * A backup's chunk index as a reader holds it. A prune may rewrite packs while a
 * restore, export or verify runs (repack.ts): it rewrites every index before it deletes
 * a pack, so a reader that finds a pack gone re-reads the index once and looks again.
 */
import { RepositoryError } from '../errors.ts';
import type { RepositoryContext } from './context.ts';
import { readIndex, type ChunkIndex } from './pack-index.ts';
import type { ChunkLocation } from './pack.ts';

export class IndexView {
  readonly backupId: string;
  readonly #ctx: RepositoryContext;
  #index: ChunkIndex;
  /** One re-read at a time, shared by every chunk that found its pack gone. */
  #reading: Promise<ChunkIndex> | undefined;

  constructor(ctx: RepositoryContext, backupId: string, index: ChunkIndex) {
    this.#ctx = ctx;
    this.backupId = backupId;
    this.#index = index;
  }

  static async read(ctx: RepositoryContext, backupId: string): Promise<IndexView> {
    return new IndexView(ctx, backupId, await readIndex(ctx, backupId));
  }

  get(chunkId: string): ChunkLocation | undefined {
    return this.#index.get(chunkId);
  }

  /**
   * Where the chunk lies now, given that `stale` is gone: undefined when the index, read
   * again, still says `stale` (the pack is really missing) or no longer has the chunk.
   */
  async relocate(chunkId: string, stale: ChunkLocation): Promise<ChunkLocation | undefined> {
    const moved = (at: ChunkLocation | undefined): ChunkLocation | undefined =>
      at && (at.pack !== stale.pack || at.offset !== stale.offset) ? at : undefined;
    const known = moved(this.#index.get(chunkId));
    if (known) return known;
    const reading = (this.#reading ??= readIndex(this.#ctx, this.backupId).finally(() => {
      this.#reading = undefined;
    }));
    try {
      this.#index = await reading;
    } catch (error) {
      // the backup itself is gone (pruned) or its index unreadable: the pack is just missing
      if (error instanceof RepositoryError) return undefined;
      throw error;
    }
    return moved(this.#index.get(chunkId));
  }
}
