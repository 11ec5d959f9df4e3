/**
 * The MySQL / MariaDB side of a cross-service cut, opened before the first fence: the
 * fence session (server version read, limits set) and the snapshot connections (session
 * settings done). In the window only the lock statements and `START TRANSACTION WITH
 * CONSISTENT SNAPSHOT` run. While the cut holds this server's fence the pin takes none of
 * its own (commits are already blocked, so every connection sees the same snapshot); a
 * member pinned unfenced (last in the cut) takes a brief fence on the prepared session.
 */
import type { Connection } from 'mysql2/promise';
import type { CutSession, Fence, PinnedSnapshot } from '../types.ts';
import { closeQuietly, type MysqlTarget } from './connect.ts';
import { lockFence, prepareFence, type HeldFence, type PreparedFence } from './freeze.ts';
import { pinPrepared, prepareSnapshotConnections } from './pin-snapshot.ts';

export async function prepareCutSession(
  target: MysqlTarget,
  connections: number,
  signal: AbortSignal,
): Promise<CutSession> {
  const prepared: PreparedFence = await prepareFence(target, { signal });
  let streams: Connection[];
  try {
    streams = await prepareSnapshotConnections(target, connections, signal);
  } catch (error) {
    await closeQuietly(prepared.connection);
    throw error;
  }
  let held: HeldFence | undefined;
  let fenceUsed = false;
  let pinned = false;
  let released = false;
  return {
    async freeze(options): Promise<Fence> {
      fenceUsed = true;
      const fence = await lockFence(prepared, options);
      held = fence;
      return {
        acquiredAt: fence.acquiredAt,
        release: async () => {
          released = true;
          await fence.release();
        },
      };
    },
    async pinSnapshot(pinSignal): Promise<PinnedSnapshot> {
      pinSignal.throwIfAborted();
      pinned = true;
      if (held && !released) return pinPrepared(target, streams, 'held');
      return pinPrepared(target, streams, () => {
        fenceUsed = true;
        return lockFence(prepared, { deadlineMs: 10_000, signal: pinSignal });
      });
    },
    async close() {
      if (!pinned) await Promise.all(streams.map((c) => closeQuietly(c)));
      // A fence, once locked, owns its session and closes it on release.
      if (!fenceUsed) await closeQuietly(prepared.connection);
    },
  };
}
