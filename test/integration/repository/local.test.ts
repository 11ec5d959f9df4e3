import { existsSync, mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../engine/repository/index.ts';
import { repositorySuite } from './_suite.ts';
import { largeBytes } from './_helpers.ts';

repositorySuite({
  name: 'a local directory',
  makeStore: () => Promise.resolve(new LocalStore(mkdtempSync(join(tmpdir(), 'lifeboat-repo-')))),
  childTarget: (store) => ({ url: store.location, env: {} }),
  largeBytes: largeBytes(),
  leftovers: async (store) => {
    const dir = join(new URL(store.location).pathname, '.tmp');
    return existsSync(dir) ? (await readdir(dir)).length : 0;
  },
});
