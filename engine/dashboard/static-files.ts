/**
 * The built front-end (`dist/dashboard/`, made by `npm run build:dashboard`), served from
 * disk. Only files inside that folder are served; names are matched, never joined blindly.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
  '.json': 'application/json',
};

/** `dist/dashboard`, found from this module in the source tree (engine/dashboard) or in dist/engine/dashboard. */
export function defaultAssetsDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    for (const candidate of [join(dir, 'dist', 'dashboard'), join(dir, 'dashboard')])
      if (existsSync(join(candidate, 'index.html')) && existsSync(join(candidate, 'app.js')))
        return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** The file for a URL path, or undefined when there is none (or the path leaves the folder). */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile | undefined> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    return undefined;
  }
  const file = normalize(join(root, rel));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  const ext = /\.[a-z0-9]+$/.exec(file)?.[0] ?? '';
  const type = TYPES[ext];
  if (!type) return undefined;
  try {
    return { body: await readFile(file), type };
  } catch {
    return undefined;
  }
}
