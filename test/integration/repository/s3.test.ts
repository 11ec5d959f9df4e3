import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';
import { LocalStore, Repository, ObjectLockedError } from '../../../engine/repository/index.ts';
import { realisticBlocks } from '../../../bench/repo-data.ts';
import { openStore } from '../../../engine/repository/store-url.ts';
import { S3Store, type S3StoreOptions } from '../../../engine/repository/s3-store.ts';
import { RepositoryError } from '../../../engine/errors.ts';
import { repositorySuite } from './_suite.ts';
import { assumeRole, readOnlyPolicy } from './_sts.ts';
import { chunkPlace, dataDigest, dataStream, largeBytes, MiB, streamDigest } from './_helpers.ts';

const server = await useServer('s3');

function options(bucket: string, prefix: string): S3StoreOptions {
  return {
    bucket,
    prefix,
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  };
}

const fresh = (bucket: string): S3Store =>
  new S3Store(options(bucket, `t-${randomBytes(6).toString('hex')}`));

repositorySuite({
  name: `S3 (${server.name} ${server.version})`,
  makeStore: () => Promise.resolve(fresh(server.bucket)),
  childTarget: (store) => {
    const prefix = /^s3:\/\/[^/]+\/([^ ]+)\//.exec(store.location)?.[1] ?? '';
    return {
      url: `s3://${server.bucket}/${prefix}?endpoint=${encodeURIComponent(server.endpoint)}&region=${server.region}&pathStyle=true`,
      env: { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey },
    };
  },
  largeBytes: largeBytes(64 * MiB),
});

describe('S3 object lock and multipart', () => {
  const key = Buffer.from(randomBytes(32).toString('hex'));

  it('packs, indexes and manifests are locked: deletes are refused; reuse extends retention; prune keeps locked backups', async () => {
    const store = fresh(server.lockedBucket);
    await Repository.init(store, { key, lock: { mode: 'GOVERNANCE', days: 1 } });
    const repo = await Repository.open(store, { key });
    const first = await repo.startBackup({ app: 'shop' });
    await first.put('dump', dataStream({ bytes: 3 * MiB, seed: 21 }));
    const m1 = await first.commit();
    const chunk = m1.artifacts[0]?.chunks[0]?.[0] ?? '';
    const chunkKey = (await chunkPlace(repo, first.backupId, chunk)).key;
    const info = await store.head(chunkKey);
    expect(info?.retainUntil?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await expect(store.delete(chunkKey)).rejects.toBeInstanceOf(ObjectLockedError);
    await expect(store.delete(`manifests/${first.backupId}`)).rejects.toBeInstanceOf(ObjectLockedError);
    await expect(store.delete(`index/${first.backupId}`)).rejects.toBeInstanceOf(ObjectLockedError);
    expect(await store.head(chunkKey)).toBeDefined();

    // a second backup reusing the chunks with a longer retention extends theirs
    const until = new Date(Date.now() + 3 * 86_400_000);
    const second = await repo.startBackup({ app: 'shop', retainUntil: until });
    await second.put('dump', dataStream({ bytes: 3 * MiB, seed: 21 }));
    await second.commit();
    expect(second.stats.newChunks).toBe(0);
    expect((await store.head(chunkKey))?.retainUntil?.getTime()).toBeGreaterThanOrEqual(
      until.getTime() - 1000,
    );

    // policy says keep 1, but the older backup is still under retention: prune keeps it
    const report = await repo.prune({ policy: { keepLast: 1 } });
    expect(report.removed).toEqual([]);
    expect(report.retained).toEqual([first.backupId]);
    // forgetting it by name is refused the same way
    const forgot = await repo.prune({ forget: new Set([first.backupId]) });
    expect(forgot.removed).toEqual([]);
    expect(forgot.retained).toEqual([first.backupId]);
    expect(await repo.list()).toHaveLength(2);
    expect((await repo.verify()).errors).toEqual([]);
  });

  it('with Object Lock, packs used in part are never rewritten, and prune says so', async () => {
    const store = fresh(server.lockedBucket);
    await Repository.init(store, {
      key,
      lock: { mode: 'GOVERNANCE', days: 1 },
      chunker: { min: 8 * 1024, avg: 16 * 1024, max: 64 * 1024 },
    });
    const repo = await Repository.open(store, { key, packBytes: 128 * 1024 });
    // retention of 2 s: the old backup can be pruned in this test
    const old = await repo.startBackup({ app: 'shop', retainUntil: new Date(Date.now() + 2000) });
    await old.put('a', dataStream({ bytes: MiB, seed: 50 }));
    await old.put('b', dataStream({ bytes: MiB, seed: 51 }));
    await old.commit();
    const kept = await repo.startBackup({ app: 'shop' });
    await kept.put('a', dataStream({ bytes: MiB, seed: 50 }));
    await kept.commit();
    expect(kept.stats.newChunks).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const report = await repo.prune({ policy: { keepLast: 1 }, maxUnused: 0 });
    expect(report.removed).toEqual([old.backupId]);
    expect(report.packsRepacked).toBe(0);
    expect(report.packsWritten).toBe(0);
    expect(report.repackSkipped).toMatch(/Object Lock/);
    // the pack where "a" ends and "b" begins is used in part
    expect(report.bytesUnused).toBeGreaterThan(10_000);
    expect((await streamDigest(await repo.openArtifact(kept.backupId, 'shop', 'a'))).sha256).toBe(
      dataDigest({ bytes: MiB, seed: 50 }),
    );
    expect((await repo.verify()).errors).toEqual([]);
  });

  it('streams go up as multipart uploads (with retention) and read back intact', async () => {
    const store = fresh(server.lockedBucket);
    const bytes = 20 * MiB + 123; // 3 parts of 8 MiB
    await store.put('big/object', dataStream({ bytes, seed: 22 }), {
      retention: { mode: 'GOVERNANCE', until: new Date(Date.now() + 3600_000) },
    });
    expect((await store.head('big/object'))?.size).toBe(bytes);
    expect((await streamDigest(await store.getStream('big/object'))).sha256).toBe(
      dataDigest({ bytes, seed: 22 }),
    );
    await expect(store.delete('big/object')).rejects.toBeInstanceOf(ObjectLockedError);
  });

  it('a failing multipart stream aborts the upload and leaves no object', async () => {
    const store = fresh(server.bucket);
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(9 * MiB, 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('source died');
    }
    await expect(store.put('x/broken', Readable.from(broken()))).rejects.toThrow('source died');
    expect(await store.head('x/broken')).toBeUndefined();
  });

  it.each([
    [
      'missing bucket',
      () =>
        openStore(
          `s3://no-such-bucket-${randomBytes(3).toString('hex')}?endpoint=${server.endpoint}&pathStyle=true`,
          { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
        ),
      /bucket does not exist/,
    ],
    [
      'unreachable endpoint',
      () =>
        openStore('s3://b?endpoint=http://127.0.0.1:9&pathStyle=true', {
          credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        }),
      /endpoint unreachable \(ECONNREFUSED\)/,
    ],
    [
      'wrong credentials',
      () =>
        openStore(`s3://${server.bucket}?endpoint=${server.endpoint}&pathStyle=true`, {
          credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret-0000' },
        }),
      /credentials rejected/,
    ],
  ])('%s is one clear line', async (_label, make, message) => {
    const error = await Repository.open(await make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('index cache on S3', () => {
  const key = Buffer.from(randomBytes(32).toString('hex'));
  /** Segments of realistic data, one seed each (256 KiB), as one stream. */
  const segments = (seeds: readonly number[]): Readable =>
    Readable.from(
      seeds.map((seed) => Buffer.concat([...realisticBlocks({ bytes: 256 * 1024, seed })])),
      { objectMode: false, highWaterMark: 1 },
    );
  const ALL = [50, 51, 52, 53, 54, 55, 56, 57];
  const KEPT = [50, 52, 54, 56];

  /** The S3 store, counting which index reads sent a body and which the cache answered. */
  function counting(store: S3Store): { store: S3Store; counts: { bodies: number; unchanged: number } } {
    const counts = { bodies: 0, unchanged: 0 };
    const proxy = new Proxy(store, {
      get(target, property) {
        if (property === 'getIfChanged') {
          return async (objectKey: string, version: string | undefined) => {
            const answer = await target.getIfChanged(objectKey, version);
            if (objectKey.startsWith('index/')) {
              if (answer === 'unchanged') counts.unchanged++;
              else counts.bodies++;
            }
            return answer;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { store: proxy, counts };
  }

  it('a backup downloads only indexes it has no current copy of; a rewritten or damaged one is fetched again', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'lifeboat-s3-cache-'));
    try {
      const { store, counts } = counting(fresh(server.bucket));
      await Repository.init(store, { key, chunker: { min: 8 * 1024, avg: 16 * 1024, max: 64 * 1024 } });
      const repo = await Repository.open(store, { key, packBytes: 128 * 1024, cacheDir });
      const entries = () => readdirSync(join(cacheDir, 'repositories', repo.ctx.config.id, 'index')).sort();
      const startCounting = async () => {
        counts.bodies = 0;
        counts.unchanged = 0;
        return repo.startBackup({ app: 'shop' });
      };

      const old = await startCounting();
      expect(counts).toEqual({ bodies: 0, unchanged: 0 });
      await old.put('dump', segments(ALL));
      await old.commit();
      const kept = await startCounting();
      expect(counts).toEqual({ bodies: 1, unchanged: 0 });
      await kept.put('dump', segments(KEPT));
      await kept.commit();
      // only the chunks across the joins of segments are new
      expect(kept.stats.newChunks).toBeLessThan(old.stats.newChunks / 4);
      const third = await startCounting();
      // the old index is current in the cache: the store only says so
      expect(counts).toEqual({ bodies: 1, unchanged: 1 });
      expect(entries()).toEqual([kept.backupId, old.backupId].sort());
      await third.abort();

      // dropping "old" rewrites the packs "kept" uses in part, and with them its index
      const report = await repo.prune({ forget: new Set([old.backupId]), maxUnused: 0 });
      expect(report.packsRepacked).toBeGreaterThan(0);
      const after = await startCounting();
      expect(counts).toEqual({ bodies: 1, unchanged: 0 });
      expect(entries()).toEqual([kept.backupId]);
      // it deduplicates against the rewritten index: it points at packs that exist
      await after.put('dump', segments(KEPT));
      await after.commit();
      expect(after.stats.newChunks).toBe(0);
      expect((await repo.verify()).errors).toEqual([]);
      expect(await streamDigest(await repo.openArtifact(after.backupId, 'shop', 'dump'))).toEqual(
        await streamDigest(segments(KEPT)),
      );

      // a damaged copy fails authentication: it is fetched again, and the backup still deduplicates
      const file = join(cacheDir, 'repositories', repo.ctx.config.id, 'index', kept.backupId);
      const bytes = readFileSync(file);
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
      const damaged = await startCounting();
      // kept: the store says unchanged, the copy fails, so it is fetched; after: not cached yet
      expect(counts).toEqual({ bodies: 2, unchanged: 1 });
      await damaged.put('dump', segments(KEPT));
      await damaged.commit();
      expect(damaged.stats.newChunks).toBe(0);
      expect((await repo.verify()).errors).toEqual([]);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('a local directory has no index cache; LIFEBOAT_CACHE_DIR=off turns it off on S3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-nocache-'));
    try {
      await Repository.init(new LocalStore(dir), { key });
      expect((await Repository.open(new LocalStore(dir), { key })).ctx.indexCache).toBeUndefined();
      const store = fresh(server.bucket);
      await Repository.init(store, { key });
      expect((await Repository.open(store, { key, cacheDir: dir })).ctx.indexCache?.directory).toContain(dir);
      const saved = process.env.LIFEBOAT_CACHE_DIR;
      process.env.LIFEBOAT_CACHE_DIR = 'off';
      try {
        expect((await Repository.open(store, { key })).ctx.indexCache).toBeUndefined();
      } finally {
        if (saved === undefined) delete process.env.LIFEBOAT_CACHE_DIR;
        else process.env.LIFEBOAT_CACHE_DIR = saved;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('S3 credentials without rights', () => {
  const key = Buffer.from(randomBytes(32).toString('hex'));
  const root = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };

  it('read-only credentials: reading works, a backup fails with one line saying permission denied', async () => {
    const prefix = `t-${randomBytes(6).toString('hex')}`;
    await Repository.init(new S3Store(options(server.bucket, prefix)), { key });
    const readOnly = await assumeRole(server.endpoint, server.region, root, readOnlyPolicy(server.bucket));
    const store = new S3Store({ ...options(server.bucket, prefix), credentials: readOnly });
    const repo = await Repository.open(store, { key });
    expect(await repo.list()).toEqual([]);
    const error = await repo.startBackup({ app: 'shop' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryError);
    const message = (error as Error).message;
    expect(message).toBe(
      `repository s3://${server.bucket}/${prefix}/ at ${server.endpoint}: cannot write backup lock: permission denied`,
    );
  });

  it('credentials with no rights on the bucket: open fails with one line saying permission denied', async () => {
    const prefix = `t-${randomBytes(6).toString('hex')}`;
    await Repository.init(new S3Store(options(server.bucket, prefix)), { key });
    // rights on another bucket only
    const elsewhere = await assumeRole(
      server.endpoint,
      server.region,
      root,
      readOnlyPolicy('some-other-bucket'),
    );
    const error = await Repository.open(
      new S3Store({ ...options(server.bucket, prefix), credentials: elsewhere }),
      { key },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryError);
    expect((error as Error).message).toBe(
      `repository s3://${server.bucket}/${prefix}/ at ${server.endpoint}: cannot read config: permission denied`,
    );
  });
});

describe('CLI on S3', () => {
  const main = join(import.meta.dirname, '../../../engine/cli/main.ts');
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    LIFEBOAT_REPO_KEY: 'cli-s3-key-0123456789abcdef',
  };
  const cli = async (
    args: string[],
    extraEnv: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [main, ...args], {
        env: { ...env, ...extraEnv },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
  };
  const q = `?endpoint=${encodeURIComponent(server.endpoint)}&region=${server.region}&pathStyle=true`;

  it('repo init with object lock, list, verify; a missing bucket is one line', async () => {
    const url = `s3://${server.lockedBucket}/cli-${randomBytes(4).toString('hex')}${q}`;
    const init = await cli(['repo', 'init', '--repo', url, '--lock-mode', 'governance', '--lock-days', '1']);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/encrypted, AES-256-GCM, object lock governance 1d/);
    expect(JSON.parse((await cli(['list', '--repo', url, '-o', 'json'])).stdout)).toEqual([]);
    expect((await cli(['verify', '--all', '--repo', url])).stdout).toMatch(/^ok: 0 backup/);
    const missing = await cli([
      'list',
      '--repo',
      `s3://no-such-bucket-${randomBytes(3).toString('hex')}${q}`,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/cannot read config: bucket does not exist/);
  });

  it('repo init with read-only credentials is one line: permission denied', async () => {
    const readOnly = await assumeRole(
      server.endpoint,
      server.region,
      { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      readOnlyPolicy(server.bucket),
    );
    const url = `s3://${server.bucket}/cli-ro-${randomBytes(4).toString('hex')}${q}`;
    const init = await cli(['repo', 'init', '--repo', url], {
      AWS_ACCESS_KEY_ID: readOnly.accessKeyId,
      AWS_SECRET_ACCESS_KEY: readOnly.secretAccessKey,
      AWS_SESSION_TOKEN: readOnly.sessionToken,
    });
    expect(init.code).toBe(1);
    expect(init.stderr.trim().split('\n')).toHaveLength(1);
    expect(init.stderr).toMatch(/cannot write config: permission denied/);
  });
});
