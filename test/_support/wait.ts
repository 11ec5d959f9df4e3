/** Polling helpers for tests that wait on a real server or a running controller. */

/** Thrown by a `waitFor` probe to stop waiting at once (e.g. the Backup failed). */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value. A probe that throws counts as "not yet"
 * (the object may not exist yet), except for `GiveUp`; on timeout the last error is named.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls a synchronous condition (state the test's own process observes). */
export async function until(
  what: string,
  check: () => boolean,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Polls `probe` every 200 ms until it returns a value; unlike `waitFor`, an error the probe
 * throws ends the wait at once (for probes that answer "not yet" with `undefined`).
 */
export async function untilDefined<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
