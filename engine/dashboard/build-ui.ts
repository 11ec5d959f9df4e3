/**
 * Bundles the dashboard front-end (engine/dashboard/ui) with esbuild into dist/dashboard:
 * index.html, app.js, app.css. Run by `npm run build` (and so by `npm ci` through
 * `prepare`); the server only reads these files, nothing is fetched at run time.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const ui = join(root, 'engine/dashboard/ui');
const out = join(root, 'dist/dashboard');

await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: join(ui, 'main.ts') },
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  outdir: out,
  logLevel: 'warning',
});
await build({
  entryPoints: { app: join(ui, 'styles.css') },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
});
await copyFile(join(ui, 'index.html'), join(out, 'index.html'));
process.stdout.write(`dashboard: built ${out}\n`);
