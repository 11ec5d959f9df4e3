/**
 * The write fence: blocks commits server-wide for a short window, held by one session.
 *
 * - `backup-stage` (MariaDB ≥ 10.4): `BACKUP STAGE START … BLOCK_COMMIT`. It waits only
 *   for commits already in progress, not for long-running statements, so a long UPDATE
 *   or SELECT does not turn the freeze into a server-wide write stall.
 * - `ftwrl` (`FLUSH TABLES WITH READ LOCK`): MySQL and older MariaDB. It must wait for
 *   running writes; while it waits, new writers queue behind it. So the wait is capped by
 *   a short `lock_wait_timeout` and a client-side deadline that kills the statement: the
 *   freeze then fails fast with a retryable AdapterError instead of blocking writers.
 *
 * Both locks belong to the session: if Lifeboat dies, the server drops the connection and
 * the lock with it. The session's `wait_timeout` is set to the hold limit, so a hung (not
 * dead) Lifeboat also loses the lock after that many seconds.
 */
import type { Connection } from 'mysql2/promise';
import { AdapterError } from '../../engine/errors.ts';
import type { Fence } from '../types.ts';
import { closeQuietly, connect, type MysqlTarget } from './connect.ts';
import { adapterError } from './errors.ts';
import { hasBackupStage, readServerInfo } from './server-info.ts';

export type FenceMethod = 'backup-stage' | 'ftwrl';

export interface FenceOptions {
  /** Give up acquiring after this long (the statement is killed). */
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  /** @default 'backup-stage' on MariaDB ≥ 10.4, else 'ftwrl' */
  readonly method?: FenceMethod;
  /** The server drops the fence session (and its lock) after this long idle. @default 300 */
  readonly holdLimitSeconds?: number;
}

/** A fence with the session that holds it (pinSnapshot reads markers through it). */
export interface HeldFence extends Fence {
  readonly method: FenceMethod;
  readonly connection: Connection;
}

const FENCE_STATEMENTS: Readonly<Record<FenceMethod, readonly string[]>> = {
  'backup-stage': [
    'BACKUP STAGE START',
    'BACKUP STAGE FLUSH',
    'BACKUP STAGE BLOCK_DDL',
    'BACKUP STAGE BLOCK_COMMIT',
  ],
  ftwrl: ['FLUSH TABLES WITH READ LOCK'],
};
const RELEASE_STATEMENT: Readonly<Record<FenceMethod, string>> = {
  'backup-stage': 'BACKUP STAGE END',
  ftwrl: 'UNLOCK TABLES',
};

/** Kill the statement running on `threadId` from a separate short-lived session. */
async function killQuery(target: MysqlTarget, threadId: number): Promise<void> {
  const side = await connect(target).catch(() => undefined);
  if (side === undefined) return;
  try {
    await side.query(`KILL QUERY ${String(threadId)}`);
  } catch {
    // The statement may have finished meanwhile: nothing to kill.
  } finally {
    await closeQuietly(side);
  }
}

/**
 * Acquire a fence on `target`. Resolves once commits are blocked; throws a retryable
 * AdapterError when the lock cannot be had within `deadlineMs` (nothing stays locked).
 */
export async function acquireFence(target: MysqlTarget, options: FenceOptions): Promise<HeldFence> {
  const prepared = await prepareFence(target, options);
  return lockFence(prepared, options);
}

/** A session opened and set up for a fence, not locking anything yet. */
export interface PreparedFence {
  readonly target: MysqlTarget;
  readonly connection: Connection;
  readonly method: FenceMethod;
}

/**
 * Open the fence's session ahead of time (connection, server version, session limits), so
 * taking the fence later costs only the lock statements. Close it with `closeQuietly` if
 * it is never locked.
 */
export async function prepareFence(
  target: MysqlTarget,
  options: Omit<FenceOptions, 'deadlineMs'>,
): Promise<PreparedFence> {
  const conn = await connect(target, options.signal);
  try {
    const method =
      options.method ?? (hasBackupStage(await readServerInfo(conn, target)) ? 'backup-stage' : 'ftwrl');
    await conn.query(`SET SESSION wait_timeout = ${String(options.holdLimitSeconds ?? 300)}`);
    return { target, connection: conn, method };
  } catch (error) {
    conn.destroy();
    throw error;
  }
}

/** Take the fence on a prepared session; on failure the session is destroyed (no partial lock). */
export async function lockFence(
  prepared: PreparedFence,
  options: Pick<FenceOptions, 'deadlineMs' | 'signal'>,
): Promise<HeldFence> {
  const { target, connection: conn, method } = prepared;
  try {
    const waitSeconds = Math.max(1, Math.ceil(options.deadlineMs / 1000));
    await conn.query(`SET SESSION lock_wait_timeout = ${String(waitSeconds)}`);
    const threadId = conn.threadId;
    const state = { timedOut: false };
    const onAbort = (): void => void killQuery(target, threadId);
    const timer = setTimeout(() => {
      state.timedOut = true;
      void killQuery(target, threadId);
    }, options.deadlineMs);
    options.signal.addEventListener('abort', onAbort, { once: true });
    const started = Date.now();
    try {
      for (const sql of FENCE_STATEMENTS[method]) await conn.query(sql);
    } catch (error) {
      const waited = Date.now() - started;
      const timeout = state.timedOut || (error as { errno?: number }).errno === 1205;
      if (timeout) {
        throw new AdapterError(
          'mysql',
          `mysql freeze (${method}) on ${target.site.server}: could not block writes within ${String(options.deadlineMs)} ms ` +
            `(waited ${String(waited)} ms for running statements); retry later`,
          {
            workload: target.site.workload,
            retryable: true,
            serverMessage: (error as Error).message,
            cause: error,
          },
        );
      }
      throw adapterError(`freeze (${method})`, target.site, error);
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    }
    options.signal.throwIfAborted();
    return makeHeldFence(conn, method, target);
  } catch (error) {
    // Destroying the session drops any partial lock with it.
    conn.destroy();
    throw error;
  }
}

function makeHeldFence(conn: Connection, method: FenceMethod, target: MysqlTarget): HeldFence {
  let released: Promise<void> | undefined;
  return {
    acquiredAt: Date.now(),
    method,
    connection: conn,
    release(): Promise<void> {
      released ??= (async () => {
        try {
          await conn.query(RELEASE_STATEMENT[method]);
        } catch (error) {
          // A dead session has already dropped its lock; anything else is worth reporting.
          conn.destroy();
          const code = (error as { code?: string }).code;
          if (
            code !== 'PROTOCOL_CONNECTION_LOST' &&
            code !== 'ECONNRESET' &&
            !/closed state/.test(String(error))
          ) {
            throw adapterError(`thaw (${method})`, target.site, error);
          }
          return;
        }
        await closeQuietly(conn);
      })();
      return released;
    },
  };
}
