/**
 * Run an async step over items in order with a few started ahead (requests to a store
 * overlap instead of queueing one after another), yielding each outcome in order. A
 * consumer that stops early leaves the started steps to finish unobserved (their
 * failures are swallowed: nobody asked for them).
 */
export type Outcome<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

export async function* readAhead<T, R>(
  items: readonly T[],
  ahead: number,
  step: (item: T) => Promise<R>,
): AsyncGenerator<readonly [T, Outcome<R>]> {
  /** Steps started and not yet yielded, oldest first. */
  const started: Promise<Outcome<R>>[] = [];
  let next = 0;
  for (let i = 0; i < items.length; i++) {
    while (next < items.length && next < i + Math.max(1, ahead)) {
      started.push(
        step(items[next++] as T).then(
          (value): Outcome<R> => ({ ok: true, value }),
          (error: unknown): Outcome<R> => ({ ok: false, error }),
        ),
      );
    }
    const outcome = await (started.shift() as Promise<Outcome<R>>);
    yield [items[i] as T, outcome] as const;
  }
}
