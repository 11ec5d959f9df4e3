/**
 * A work queue of object keys, as controllers use: a key waiting is queued once however
 * many events name it; a key being processed is never processed twice at once (an event
 * during processing marks it to run again afterwards); at most `concurrency` keys run at
 * once; failures are retried with per-key exponential backoff; `requeueAfterMs` schedules
 * a key again. `pause()` stops dispatching (leadership lost) without dropping keys.
 */

export interface WorkQueueOptions {
  readonly concurrency: number;
  /** First retry delay after a failure; doubles up to `maxBackoffMs`. @default 1000 */
  readonly baseBackoffMs?: number;
  /** @default 300000 */
  readonly maxBackoffMs?: number;
}

export type WorkHandler = (key: string) => Promise<{ readonly requeueAfterMs?: number } | undefined>;

export class WorkQueue {
  readonly #handler: WorkHandler;
  readonly #onError: (key: string, error: unknown, retryInMs: number) => void;
  readonly #concurrency: number;
  readonly #baseBackoffMs: number;
  readonly #maxBackoffMs: number;
  /** Waiting keys, in arrival order (a Set keeps one entry per key). */
  readonly #queue = new Set<string>();
  readonly #active = new Set<string>();
  /** Keys that changed while active: queued again when they finish. */
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #idleWaiters: (() => void)[] = [];
  #paused = false;
  #stopped = false;

  constructor(
    handler: WorkHandler,
    options: WorkQueueOptions,
    onError: (key: string, error: unknown, retryInMs: number) => void = () => undefined,
  ) {
    this.#handler = handler;
    this.#onError = onError;
    this.#concurrency = Math.max(1, options.concurrency);
    this.#baseBackoffMs = options.baseBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 300_000;
  }

  /** Keys waiting or running (for tests and metrics). */
  get length(): number {
    return this.#queue.size + this.#active.size;
  }

  /** Queue `key` now (a pending delayed add of it is superseded). */
  add(key: string): void {
    if (this.#stopped) return;
    const timer = this.#timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.#timers.delete(key);
    }
    if (this.#active.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#queue.add(key);
    this.#pump();
  }

  /** Queue `key` after `ms` unless it is queued sooner (the earlier time wins). */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    if (this.#timers.has(key) || this.#queue.has(key)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.#timers.set(key, timer);
  }

  /** Stop dispatching; running handlers continue. Queued keys are kept. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Resolves once no handler is running. */
  async idle(): Promise<void> {
    if (this.#active.size === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drop everything queued and scheduled; running handlers finish on their own. */
  stop(): void {
    this.#stopped = true;
    this.#queue.clear();
    this.#dirty.clear();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  #pump(): void {
    while (!this.#paused && !this.#stopped && this.#active.size < this.#concurrency) {
      const next = this.#queue.values().next();
      if (next.done) return;
      const key = next.value;
      this.#queue.delete(key);
      this.#active.add(key);
      void this.#run(key);
    }
  }

  async #run(key: string): Promise<void> {
    let requeueAfterMs: number | undefined;
    try {
      const result = await this.#handler(key);
      requeueAfterMs = result?.requeueAfterMs;
      this.#failures.delete(key);
    } catch (error) {
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      const delay = Math.min(this.#maxBackoffMs, this.#baseBackoffMs * 2 ** (n - 1));
      this.#onError(key, error, delay);
      requeueAfterMs = delay;
    }
    this.#active.delete(key);
    // A change seen while running wins over a backoff: the new state may fix the failure.
    if (this.#dirty.delete(key)) this.add(key);
    else if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
    if (this.#active.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#pump();
  }
}
