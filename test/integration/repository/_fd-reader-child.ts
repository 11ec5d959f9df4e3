/**
 * Reads its stdin with `readFd` after touching `process.stdin` (which makes Node set
 * O_NONBLOCK on it), and prints the SHA-256 and length of what it read. Argument
 * `slow`: it waits 20 ms after each piece, so the reader runs out of pieces to fill
 * and pauses (and resumes) reading many times.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFd } from '../../../engine/repository/fd-reader.ts';

process.stdin.pause(); // opening it makes stdin a non-blocking stream
const flags = /flags:\s*(\d+)/.exec(readFileSync('/proc/self/fdinfo/0', 'utf8'))?.[1] ?? '0';
const hash = createHash('sha256');
let bytes = 0;
const slow = process.argv[2] === 'slow';
for await (const piece of readFd(0, 'stdin')) {
  hash.update(piece);
  bytes += piece.length;
  if (slow) await new Promise((resolve) => setTimeout(resolve, 20));
}
process.stdout.write(
  `${JSON.stringify({ nonBlocking: (Number.parseInt(flags, 8) & 0o4000) !== 0, sha256: hash.digest('hex'), bytes })}\n`,
);
process.exit(0);
