/**
 * Lock objects coordinate backups and prune without a lock server. Each in-progress
 * backup keeps `locks/backup-<id>.json` fresh (expiry in the future); each prune keeps
 * `locks/prune-<id>.json`. The protocol (flag-then-check, as in Dekker's algorithm):
 *   backup: write own lock → wait while a live prune lock exists → list chunks → …
 *   prune:  write own lock → if a live backup lock exists, delete no chunk
 * Whatever the interleaving, either the backup sees the prune lock (and waits) or
 * prune sees the backup lock (and defers chunk deletion), so a chunk a backup
 * deduplicates against is never deleted under it. An expired lock is a crashed
 * process: it is ignored and removed.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import type { ObjectStore } from './object-store.ts';

export const LOCK_PREFIX = 'locks/';

export const LockSchema = z.object({
  kind: z.enum(['backup', 'prune']),
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  startedAt: z.string(),
  expiresAt: z.string(),
});
export type LockRecord = z.infer<typeof LockSchema>;

export function lockKey(kind: LockRecord['kind'], id: string): string {
  return `${LOCK_PREFIX}${kind}-${id}.json`;
}

/** Is the lock still held at `now`? */
export function isLive(lock: LockRecord, now: Date): boolean {
  return Date.parse(lock.expiresAt) > now.getTime();
}

/** Every readable lock; unreadable (half-written) ones are skipped. */
export async function readLocks(store: ObjectStore): Promise<{ key: string; lock: LockRecord }[]> {
  const out: { key: string; lock: LockRecord }[] = [];
  for await (const info of store.list(LOCK_PREFIX)) {
    try {
      const lock = LockSchema.parse(JSON.parse((await store.get(info.key)).toString('utf8')));
      out.push({ key: info.key, lock });
    } catch {
      // deleted meanwhile or not ours: not a live lock
    }
  }
  return out;
}

/**
 * A held lock, refreshed every ttl/3 in the background. `fresh` says whether every
 * refresh so far landed within the ttl (if not, another process may have treated the
 * lock as expired, and the holder must re-check what it relied on).
 */
export class HeldLock {
  readonly key: string;
  readonly #store: ObjectStore;
  readonly #record: Omit<LockRecord, 'expiresAt'>;
  readonly #ttlMs: number;
  #timer: NodeJS.Timeout | undefined;
  #lastRefresh = 0;
  #stale = false;
  #refreshing: Promise<void> | undefined;

  private constructor(store: ObjectStore, kind: LockRecord['kind'], id: string, ttlMs: number) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.key = lockKey(kind, id);
    this.#record = { kind, id, host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  }

  /** Write the lock and start refreshing it. */
  static async acquire(
    store: ObjectStore,
    kind: LockRecord['kind'],
    id: string,
    ttlMs: number,
  ): Promise<HeldLock> {
    const lock = new HeldLock(store, kind, id, ttlMs);
    await lock.#write();
    lock.#timer = setInterval(
      () => {
        lock.#refreshing = lock.#write().catch(() => undefined);
      },
      Math.max(100, Math.floor(ttlMs / 3)),
    );
    lock.#timer.unref();
    return lock;
  }

  async #write(): Promise<void> {
    const now = Date.now();
    if (this.#lastRefresh && now - this.#lastRefresh > this.#ttlMs) this.#stale = true;
    const record: LockRecord = { ...this.#record, expiresAt: new Date(now + this.#ttlMs).toISOString() };
    await this.#store.put(this.key, [Buffer.from(JSON.stringify(record))]);
    this.#lastRefresh = now;
  }

  /** False when the lock may have been seen as expired at some point. */
  get fresh(): boolean {
    return !this.#stale && Date.now() - this.#lastRefresh < this.#ttlMs;
  }

  /** Stop refreshing and delete the lock. Idempotent. */
  async release(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#refreshing;
    await this.#store.delete(this.key);
  }
}
