/** Internal: run tasks with bounded concurrency; the first failure stops scheduling and is thrown. */

/**
 * Run `task(item)` for every item with at most `limit` in flight. On the first error no
 * new task starts, `onFail` is called (to abort the ones in flight), all in-flight tasks
 * are awaited, and the first error is thrown.
 */
export async function runPool<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  task: (item: T) => Promise<void>,
  onFail?: (error: unknown) => void,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const state: { error: unknown; failed: boolean } = { error: undefined, failed: false };
  const fail = (error: unknown): void => {
    if (state.failed) return;
    state.failed = true;
    state.error = error;
    onFail?.(error);
  };
  try {
    for await (const item of items) {
      if (state.failed) break;
      const p: Promise<void> = task(item).then(
        () => {
          inFlight.delete(p);
        },
        (error: unknown) => {
          inFlight.delete(p);
          fail(error);
        },
      );
      inFlight.add(p);
      if (inFlight.size >= Math.max(1, limit)) await Promise.race(inFlight);
      if (isFailed(state)) break;
    }
  } catch (error) {
    fail(error);
  }
  await Promise.all(inFlight);
  if (state.failed) throw state.error;
}

/** Read through a function: the flag changes across awaits, which narrowing cannot see. */
function isFailed(state: { readonly failed: boolean }): boolean {
  return state.failed;
}
