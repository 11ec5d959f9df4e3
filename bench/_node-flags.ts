/**
 * How the Lifeboat child processes of a benchmark run: by default as the shipped `lifeboat`
 * command starts (read from its shebang, so the benchmarks measure what users run and
 * cannot drift from it): its Node options, and its environment assignments, which
 * `benchNodeFlags()` also sets on this process so that every child inherits them
 * (MALLOC_ARENA_MAX only matters to multi-threaded programs, i.e. Node here, not to the
 * native tools). BENCH_NODE_FLAGS (space-separated) overrides the options to try others.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI_MAIN = fileURLToPath(new URL('../engine/cli/main.ts', import.meta.url));

interface Shebang {
  readonly env: Record<string, string>;
  readonly flags: string[];
}

/** `#!/usr/bin/env -S [NAME=VALUE…] node [options…]` of the CLI entry point, split. */
function cliShebang(source = readFileSync(CLI_MAIN, 'utf8')): Shebang {
  const shebang = source.split('\n', 1)[0] ?? '';
  if (!shebang.startsWith('#!')) return { env: {}, flags: [] };
  const words = shebang
    .replace(/^#!\S*env\s+(-S\s+)?/, '')
    .split(/\s+/)
    .filter(Boolean);
  const env: Record<string, string> = {};
  while (words[0]?.includes('=') === true) {
    const word = words.shift() ?? '';
    const at = word.indexOf('=');
    env[word.slice(0, at)] = word.slice(at + 1);
  }
  return { env, flags: words[0] === 'node' ? words.slice(1) : [] };
}

/** Options after `node` on the CLI's shebang. */
export function cliNodeFlags(source?: string): string[] {
  return cliShebang(source).flags;
}

/** Environment assignments before `node` on the CLI's shebang. */
export function cliNodeEnv(source?: string): Record<string, string> {
  return cliShebang(source).env;
}

export function benchNodeFlags(): string[] {
  Object.assign(process.env, cliNodeEnv());
  const override = process.env.BENCH_NODE_FLAGS;
  return override === undefined ? cliNodeFlags() : override.split(' ').filter(Boolean);
}
