/**
 * A deterministic, fast generator of dump-like data (JSON lines, tab-separated COPY
 * rows, prose) with a realistic compression ratio (~2–4× under gzip): a pool of text
 * is built once from a seed, and each emitted block is a slice of the pool with
 * digits re-drawn every few hundred bytes, so the stream never repeats (no accidental dedup) while
 * the generator runs at well over 1 GB/s. Used by bench/repo.ts and the repository
 * integration tests.
 */

const WORDS =
  'the of and to in is was for on that with as by at from his her an were are which this be or had not but what all when there can who one been more their said if do will each about how up out them then she many some so these would other into has her two like him see time could no make than first been its now people my made over did down only way find use may water long little very after words called just where most know get through back much before go good new write our used me man too any day same right look think also around another came come work three word must because does part even place well such here take why things help put years different away again off went old number great tell men say small every found still between name should home big give air line set own under read last never us left end along while might next sound below saw something thought both few those always looked show large often together asked house world going want school important until form food keep children feet land side without boy once animals life enough took sometimes four head above kind began almost live page got earth need far hand high year mother light parts country father let night following picture being study second eyes soon times story boys since white days ever paper hard near sentence better best across during today others sure means knew its try told young miles sun ways thing whole hear example heard several change answer room sea against top turned learn point city play toward five using himself usually'.split(
    ' ',
  );

/** xorshift32: tiny, fast, deterministic. */
export class Rng {
  #x: number;
  constructor(seed: number) {
    this.#x = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.#x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#x = x >>> 0;
    return this.#x;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

/**
 * At least `bytes` of dump-like text (whole lines), written straight into a Buffer:
 * no list of a million strings to join (that transient garbage would show up as
 * memory of whatever process generates the data).
 */
function poolText(rng: Rng, bytes: number): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes + 4096);
  let size = 0;
  const word = (): string => WORDS[rng.below(WORDS.length)] ?? 'x';
  const words = (n: number): string => Array.from({ length: n }, word).join(' ');
  const num = (digits: number): string => String(rng.next()).padStart(10, '0').slice(0, digits);
  let id = 100000;
  while (size < bytes) {
    let line: string;
    switch (rng.below(3)) {
      case 0:
        line = `{"id":${id++},"user":"${word()}_${word()}","email":"${word()}.${word()}@${word()}.example","amount":${num(5)}.${num(2)},"ts":"2026-${num(2)}-${num(2)}T${num(2)}:${num(2)}:${num(2)}Z","tags":["${word()}","${word()}"],"note":"${words(6)}"}\n`;
        break;
      case 1:
        line = `${id++}\t${words(3)}\t${num(6)}\t${num(3)}.${num(2)}\t2026-${num(2)}-${num(2)} ${num(2)}:${num(2)}:${num(2)}\t${rng.below(2) ? 't' : 'f'}\t${word()}\n`;
        break;
      default:
        line = `${words(8 + rng.below(12))}.\n`;
    }
    size += out.write(line, size, 'latin1');
  }
  return out.subarray(0, size);
}

export interface RealisticOptions {
  readonly bytes: number;
  /** @default 1 */
  readonly seed?: number;
  /** @default 1 MiB */
  readonly blockSize?: number;
  /** Blocks for which this returns true get 64 bytes altered at one spot (a "changed" dump). */
  readonly mutate?: (block: number) => boolean;
}

const POOL_BYTES = 8 * 1024 * 1024;
let cachedPool: { seed: number; pool: Buffer; digits: Int32Array } | undefined;

function pool(seed: number): { pool: Buffer; digits: Int32Array } {
  if (cachedPool?.seed === seed) return cachedPool;
  const buf = poolText(new Rng(seed), POOL_BYTES + 1024 * 1024);
  const digits: number[] = [];
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i] ?? 0;
    if (c >= 48 && c <= 57) digits.push(i);
  }
  cachedPool = { seed, pool: buf, digits: Int32Array.from(digits) };
  return cachedPool;
}

/** First index in sorted `a` whose value is ≥ v. */
function lowerBound(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] ?? 0) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The stream as fresh (never reused) Buffers of `blockSize` bytes. */
export function* realisticBlocks(options: RealisticOptions): Generator<Buffer> {
  const seed = options.seed ?? 1;
  const blockSize = options.blockSize ?? 1024 * 1024;
  const { pool: text, digits } = pool(seed);
  const rng = new Rng(seed ^ 0x5bd1e995);
  let remaining = options.bytes;
  for (let block = 0; remaining > 0; block++) {
    const n = Math.min(blockSize, remaining);
    const start = rng.below(POOL_BYTES - n);
    const out = Buffer.allocUnsafe(n);
    text.copy(out, 0, start, start + n);
    // re-draw a digit every few hundred bytes: every block (and chunk) becomes unique
    // while keeping the pool's character mix, at memcpy speed
    for (let k = lowerBound(digits, start) + rng.below(64); k < digits.length; k += 64 + rng.below(128)) {
      const pos = (digits[k] ?? 0) - start;
      if (pos >= n) break;
      out[pos] = 48 + rng.below(10);
    }
    if (options.mutate?.(block)) {
      // a few rows changed in place: 64 bytes at one spot
      // (own generator: the main sequence must not shift for the blocks after it)
      const at = new Rng(block * 2654435761).below(Math.max(1, n - 64));
      out.fill(35, at, Math.min(n, at + 64)); // '#'
    }
    remaining -= n;
    yield out;
  }
}
