/**
 * The `lifeboat` command as installed (`bin` in package.json: the compiled
 * `dist/engine/cli/main.js`, built by `npm run build`), for benchmarks that measure the
 * shipped command: running the TypeScript sources instead adds their type stripping
 * (~0.2 s per start) to every run. Refuses a build older than any source it came from.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILT_CLI = join(ROOT, 'dist', 'engine', 'cli', 'main.js');

function newestSource(): number {
  let newest = 0;
  for (const dir of ['engine', 'adapters']) {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts'))
        newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** The built CLI's path; throws when it is missing or older than the sources. */
export function builtCli(): string {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm run build`);
  if (statSync(BUILT_CLI).mtimeMs < newestSource())
    throw new Error(`${BUILT_CLI} is older than the sources: run npm run build`);
  return BUILT_CLI;
}
