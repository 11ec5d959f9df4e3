/** Internal: the part of a server handle every locally started server shares. */
import type { TestServer } from './types.ts';
import { removeDir, secondsSince, type ServerProcess } from './_process.ts';

/** What a start function knows once its server answers. */
export interface StartedLocally {
  readonly name: string;
  readonly url: string;
  /** The server's private directory (removed by `stop`). */
  readonly dir: string;
  readonly proc: ServerProcess;
  /** `performance.now()` when the start was requested. */
  readonly t0: number;
  /** The signal `stop` sends first (the server's fast clean shutdown). */
  readonly stopSignal: NodeJS.Signals;
  /** How long `stop` waits after `stopSignal` before SIGKILL. @default ServerProcess.stop's */
  readonly stopTimeoutMs?: number;
  /** Stops what the server needs and outlives it (e.g. its etcd), after it and before `dir` goes. */
  readonly stopAfter?: () => Promise<void>;
}

/**
 * `name`, `url`, `dataDir`, `logPath`, `startSeconds`, `external: false` and an idempotent
 * `stop` that ends the process with `stopSignal` and removes `dir`.
 */
export function localServerFields(
  started: StartedLocally,
): Pick<TestServer, 'name' | 'url' | 'dataDir' | 'logPath' | 'startSeconds' | 'external' | 'stop'> {
  const { name, url, dir, proc, t0, stopSignal, stopTimeoutMs, stopAfter } = started;
  let stopped = false;
  return {
    name,
    url,
    dataDir: dir,
    logPath: proc.logPath,
    startSeconds: secondsSince(t0),
    external: false,
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.stop(stopSignal, stopTimeoutMs);
      await stopAfter?.();
      await removeDir(dir);
    },
  };
}
