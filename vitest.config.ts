import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers are started once per run and shared by every file and worker: the
    // global setup runs a broker that `useServer('postgres')` asks (testcontainers/).
    // A run that never calls useServer starts no server.
    globalSetup: ['testcontainers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // S3 repositories cache their indexes (engine/repository/index-cache.ts): not in ~/.cache
    env: { LIFEBOAT_CACHE_DIR: join(tmpdir(), 'lifeboat-test-index-cache') },
  },
});
