import { existsSync, mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LocalStore } from '../../../engine/repository/index.ts';
import { repositorySuite } from './_suite.ts';
import { largeBytes } from './_helpers.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

repositorySuite({
  name: 'a local directory',
  makeStore: () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-repo-'));
    dirs.push(dir);
    return Promise.resolve(new LocalStore(dir));
  },
  childTarget: (store) => ({ url: store.location, env: {} }),
  largeBytes: largeBytes(),
  leftovers: async (store) => {
    const dir = join(new URL(store.location).pathname, '.tmp');
    return existsSync(dir) ? (await readdir(dir)).length : 0;
  },
});
