import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Each starter run in a child process whose install cache is empty: it must fail with
// the exact install command, never skip or hang.
const SCRIPT = `
const m = await import(${JSON.stringify(resolve('testcontainers/index.ts'))});
for (const start of [m.startS3, m.startFerretdb, m.startCassandra, m.startKube]) {
  try { await start(); console.log('STARTED'); } catch (e) { console.log(e.name + ': ' + e.message); }
}
`;

describe('a server that is not installed', () => {
  it('fails with the install command to run', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'lifeboat-empty-cache-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, LIFEBOAT_CACHE: cache };
      for (const v of [
        'LIFEBOAT_TEST_S3_URL',
        'LIFEBOAT_TEST_MONGODB_URL',
        'LIFEBOAT_TEST_CASSANDRA_URL',
        'LIFEBOAT_TEST_KUBECONFIG',
      ]) {
        env[v] = '';
      }
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT], {
        env,
      });
      expect(stdout.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^TestServerError: test server s3: .*`testcontainers\/install minio`.*LIFEBOAT_TEST_S3_URL/,
        ),
        expect.stringMatching(/^TestServerError: test server ferretdb: .*`testcontainers\/install ferretdb`/),
        expect.stringMatching(
          /^TestServerError: test server cassandra: .*`testcontainers\/install cassandra`/,
        ),
        expect.stringMatching(/^TestServerError: test server kube: .*`testcontainers\/install etcd`/),
      ]);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
