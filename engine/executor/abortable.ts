import { setTimeout as delay } from 'node:timers/promises';

/**
 * Settle with `work`, or reject with the signal's reason once it aborts. A function that
 * ignores its signal gets `graceMs` to wind down (so handles it was acquiring still land
 * in the bag and get released), then the caller moves on without it.
 */
export async function abortable<T>(work: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  // Never leave a rejection unhandled after we stop waiting for it.
  work.catch(() => undefined);
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void Promise.race([work.then(noop, noop), delay(graceMs, undefined, { ref: false })]).then(() => {
        reject(signal.reason as Error);
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function noop(): void {
  // Intentionally empty: only waiting for settlement.
}
