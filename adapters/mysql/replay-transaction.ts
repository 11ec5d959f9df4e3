/**
 * A load transaction that survives lock conflicts. Parts of one table load in parallel,
 * and InnoDB may pick one of them as a deadlock victim (or time out a lock wait); it then
 * rolls back that part's open transaction. The statements since the last commit are kept
 * (at most one commit's worth), so the transaction is replayed and the load goes on.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';

/** ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT. */
const LOCK_CONFLICTS = new Set([1213, 1205]);
const MAX_ATTEMPTS = 6;

function isLockConflict(error: unknown): boolean {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' && LOCK_CONFLICTS.has(errno);
}

export class ReplayableTransaction {
  readonly #conn: Connection;
  #pending: string[] = [];

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  async begin(): Promise<void> {
    await this.#conn.query('START TRANSACTION');
  }

  /** Run one statement; on a lock conflict replay the open transaction and retry it. */
  async query(sql: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#conn.query(sql);
        this.#pending.push(sql);
        return;
      } catch (error) {
        if (!isLockConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
        await delay(20 * 2 ** attempt * (0.5 + Math.random()));
        await this.#replay();
      }
    }
  }

  async commit(): Promise<void> {
    await this.#conn.query('COMMIT');
    this.#pending = [];
  }

  /** Roll back whatever is left of the transaction and run its statements again. */
  async #replay(): Promise<void> {
    await this.#conn.query('ROLLBACK');
    await this.#conn.query('START TRANSACTION');
    for (const statement of this.#pending) await this.#conn.query(statement);
  }
}
