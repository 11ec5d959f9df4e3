/**
 * Which packs prune should look at for rewriting (repack.ts): pure arithmetic over what
 * the kept indexes use of each pack. A pack's "unused" bytes here are its size minus the
 * chunks kept backups use, so they include its header; the exact dead bytes come from
 * the header itself once a pack is examined.
 */

/** A pack some kept backup still uses: its object size and the chunks used in it. */
export interface PackUse {
  readonly id: string;
  readonly size: number;
  /** offset → sealed length of every chunk location a kept index names in this pack */
  readonly used: ReadonlyMap<number, number>;
}

function usedBytes(use: PackUse): number {
  let n = 0;
  for (const length of use.used.values()) n += length;
  return n;
}

export function unusedBytes(use: PackUse): number {
  return Math.max(0, use.size - usedBytes(use));
}

export interface RepackCandidates {
  /** Unused bytes tolerated: `maxUnused` of every used pack's bytes. */
  readonly limit: number;
  /** Unused bytes over all used packs (headers included). */
  readonly unused: number;
  /** Packs to examine, most unused first, while the unused bytes exceed the limit. */
  readonly ordered: readonly PackUse[];
}

/**
 * With `maxUnused` as a fraction (0.05 tolerates 5 % of the stored bytes unused;
 * Infinity never repacks), the packs worth examining in order. Empty when the
 * repository is within the limit.
 */
export function repackCandidates(uses: Iterable<PackUse>, maxUnused: number): RepackCandidates {
  let total = 0;
  let unused = 0;
  const withUnused: { use: PackUse; unused: number }[] = [];
  for (const use of uses) {
    const u = unusedBytes(use);
    total += use.size;
    unused += u;
    if (u > 0) withUnused.push({ use, unused: u });
  }
  const limit = Number.isFinite(maxUnused) ? Math.max(0, maxUnused) * total : Infinity;
  if (unused <= limit) return { limit, unused, ordered: [] };
  withUnused.sort((a, b) => b.unused - a.unused || a.use.id.localeCompare(b.use.id));
  return { limit, unused, ordered: withUnused.map((w) => w.use) };
}

/**
 * Parse a `--max-unused` value: a percentage ("5", "5%", "0.5%") or "unlimited".
 * Returns a fraction; RangeError names what is wrong.
 */
export function parseMaxUnused(text: string): number {
  const value = text.trim().toLowerCase();
  if (value === 'unlimited') return Infinity;
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(value);
  const pct = match ? Number(match[1]) : NaN;
  if (!(pct >= 0 && pct <= 100))
    throw new RangeError(`max unused must be a percentage from 0 to 100 or "unlimited", not "${text}"`);
  return pct / 100;
}
