/** Internal: run tasks on N workers; the first failure stops scheduling and is thrown. */

/**
 * Run `task(item, worker)` for every item with at most `workers` in flight, worker ids
 * 0..workers-1 (each worker id runs one task at a time, so it can own a connection).
 * On the first error no new task starts, `onFail` is called (to abort the ones in
 * flight), all in-flight tasks are awaited, and the first error is thrown.
 */
export async function runPool<T>(
  items: readonly T[],
  workers: number,
  task: (item: T, worker: number, index: number) => Promise<void>,
  onFail?: (error: unknown) => void,
): Promise<void> {
  let next = 0;
  const state: { failed: boolean; error: unknown } = { failed: false, error: undefined };
  const loop = async (worker: number): Promise<void> => {
    while (!state.failed && next < items.length) {
      const index = next++;
      try {
        await task(items[index] as T, worker, index);
      } catch (error) {
        if (!isFailed(state)) {
          state.failed = true;
          state.error = error;
          onFail?.(error);
        }
      }
    }
  };
  const n = Math.max(1, Math.min(workers, items.length));
  await Promise.all(Array.from({ length: n }, (_, w) => loop(w)));
  if (state.failed) throw state.error;
}

/** Read through a function: the flag changes across awaits, which narrowing cannot see. */
function isFailed(state: { readonly failed: boolean }): boolean {
  return state.failed;
}
