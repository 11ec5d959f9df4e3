/**
 * The write fence: `fsync` with `lock: true` (fsyncLock) flushes and blocks writes on the
 * server until the matching `fsyncUnlock`. MongoDB counts locks, so the fence releases
 * exactly the one lock it took (never "unlock until zero", which would release another
 * holder's lock). The lock is NOT bound to the connection: if this process dies while
 * holding it the server stays locked until someone runs fsyncUnlock, so the fence also
 * releases itself after `maxHoldMs` while the process lives.
 *
 * Tested only for the refusal: FerretDB has no fsync command (README.md).
 */
import type { MongoClient } from 'mongodb';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { Fence } from '../types.ts';
import { connect, resolveTarget } from './connect.ts';
import { COMMAND_NOT_FOUND, NOT_IMPLEMENTED, adapterError, errorCode, messageOf } from './errors.ts';

/** Longest a fence is held before it releases itself (the engine should release far sooner). */
export const DEFAULT_MAX_HOLD_MS = 5 * 60_000;

export interface FenceOptions {
  /** How long acquiring may take before failing (retryable). */
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  readonly maxHoldMs?: number;
}

/** A held fsyncLock; `lockCount` is the server's count right after taking it. */
export interface HeldFence extends Fence {
  readonly lockCount: number | undefined;
}

/**
 * Take fsyncLock on the workload's primary.
 * @throws AdapterError (not retryable) when the server has no fsyncLock (FerretDB), or
 *   retryable when it could not be taken within the deadline.
 */
export async function acquireFence(workload: Workload, options: FenceOptions): Promise<HeldFence> {
  const target = resolveTarget(workload);
  const client: MongoClient = await connect(target, { signal: options.signal, poolSize: 2 });
  let reply;
  try {
    reply = await client.db('admin').command({ fsync: 1, lock: true }, { timeoutMS: options.deadlineMs });
  } catch (error) {
    await client.close().catch(() => undefined);
    const code = errorCode(error);
    if (code === COMMAND_NOT_FOUND || code === NOT_IMPLEMENTED) {
      throw new AdapterError(
        'mongodb',
        `mongodb freeze on ${target.site.server}: fsyncLock is not supported by this server (${messageOf(error)}); use a strategy without a freeze (logical or replica)`,
        { workload: workload.name, retryable: false, serverMessage: messageOf(error) },
      );
    }
    throw adapterError(`freeze (fsyncLock within ${options.deadlineMs} ms)`, target.site, error, true);
  }
  const acquiredAt = Date.now();
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => {
    released ??= (async () => {
      clearTimeout(timer);
      try {
        await client.db('admin').command({ fsyncUnlock: 1 });
      } catch (error) {
        throw adapterError('thaw (fsyncUnlock)', target.site, error, true);
      } finally {
        await client.close().catch(() => undefined);
      }
    })();
    return released;
  };
  const timer = setTimeout(
    () => void release().catch(() => undefined),
    options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS,
  );
  timer.unref();
  return {
    acquiredAt,
    lockCount: typeof reply.lockCount === 'number' ? reply.lockCount : undefined,
    release,
  };
}
