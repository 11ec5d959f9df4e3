/**
 * The Node options the Lifeboat child processes of a benchmark run with: by default the ones
 * the shipped `lifeboat` command starts with (read from its shebang, so the benchmarks
 * measure what users run and cannot drift from it); BENCH_NODE_FLAGS (space-separated)
 * overrides them to try others.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI_MAIN = fileURLToPath(new URL('../engine/cli/main.ts', import.meta.url));

/** Options after `node` on the `#!/usr/bin/env -S node …` line of the CLI entry point. */
export function cliNodeFlags(source = readFileSync(CLI_MAIN, 'utf8')): string[] {
  const shebang = source.split('\n', 1)[0] ?? '';
  const words = shebang
    .replace(/^#!\S*env\s+(-S\s+)?/, '')
    .split(/\s+/)
    .filter(Boolean);
  return words[0] === 'node' ? words.slice(1) : [];
}

export function benchNodeFlags(): string[] {
  const override = process.env.BENCH_NODE_FLAGS;
  return override === undefined ? cliNodeFlags() : override.split(' ').filter(Boolean);
}
