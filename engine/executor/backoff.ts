/** Retry delays: exponential with "equal jitter" (half fixed, half random), capped. */
export interface BackoffOptions {
  /** First delay before jitter. @default 1000 */
  readonly baseMs?: number;
  /** Upper bound of any delay. @default 30000 */
  readonly maxMs?: number;
  /** Growth per attempt. @default 2 */
  readonly factor?: number;
}

/**
 * Delay before retry number `retry` (1 for the first retry). Pure given `random` in [0, 1).
 * The jitter spreads retries of many members so they do not hit a server in lockstep.
 */
export function backoffDelay(
  retry: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseMs ?? 1000;
  const cap = Math.min(options.maxMs ?? 30_000, base * (options.factor ?? 2) ** Math.max(0, retry - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
