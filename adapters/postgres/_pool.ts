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
  const failures: unknown[] = [];
  const loop = async (worker: number): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const index = next++;
      try {
        await task(items[index] as T, worker, index);
      } catch (error) {
        failures.push(error);
        if (failures.length === 1) onFail?.(error);
      }
    }
  };
  const n = Math.max(1, Math.min(workers, items.length));
  await Promise.all(Array.from({ length: n }, (_, w) => loop(w)));
  if (failures.length > 0) throw failures[0];
}
