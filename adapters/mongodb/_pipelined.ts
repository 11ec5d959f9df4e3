/** Internal: a bounded pipeline whose producer runs ahead of its consumers by one item. */

/**
 * Run `task(item)` for every item of `items` with at most `limit` tasks at once, pulling the
 * next item before waiting for a free slot: the producer's work (reading, decoding) overlaps
 * the tasks in flight even with `limit` 1, where `runPool` would pull only after a task ends.
 * The first failure stops the pulling; every task in flight is awaited before it is thrown.
 * A failure of `items` itself is thrown the same way.
 */
export async function pipelined<T>(
  items: AsyncIterable<T>,
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  const state: { failure?: { error: unknown } } = {};
  try {
    for await (const item of items) {
      while (running.size >= Math.max(1, limit)) await Promise.race(running);
      if (state.failure !== undefined) break;
      const p: Promise<void> = task(item).then(
        () => {
          running.delete(p);
        },
        (error: unknown) => {
          running.delete(p);
          state.failure ??= { error };
        },
      );
      running.add(p);
    }
  } finally {
    await Promise.all(running);
  }
  if (state.failure !== undefined) throw state.failure.error;
}
