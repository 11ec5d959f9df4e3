/**
 * Token-range splits of the Murmur3 ring for parallel scans (pure). Murmur3 tokens are
 * signed 64-bit and never equal the minimum (the partitioner maps it away), so the
 * half-open ranges `(start, end]` produced here cover every partition exactly once.
 */

export const MIN_TOKEN = -(2n ** 63n);
export const MAX_TOKEN = 2n ** 63n - 1n;

/** One scan range: `token(pk) > start AND token(pk) <= end`. */
export interface TokenSplit {
  readonly start: bigint;
  readonly end: bigint;
}

/** Split the whole ring into `count` contiguous ranges of (nearly) equal width. */
export function splitRing(count: number): TokenSplit[] {
  const n = BigInt(Math.max(1, Math.floor(count)));
  const width = MAX_TOKEN - MIN_TOKEN;
  const out: TokenSplit[] = [];
  for (let i = 0n; i < n; i++) {
    const start = MIN_TOKEN + (width * i) / n;
    const end = i === n - 1n ? MAX_TOKEN : MIN_TOKEN + (width * (i + 1n)) / n;
    out.push({ start, end });
  }
  return out;
}
