/**
 * The repository behaviour every backend must show; `local.test.ts` and
 * `s3.test.ts` run it against a directory and a real S3 server.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RepositoryError } from '../../../engine/errors.ts';
import { HeldLock } from '../../../engine/repository/locks.ts';
import { ObjectExistsError, Repository, type ObjectStore } from '../../../engine/repository/index.ts';
import { seal } from '../../../engine/repository/codec.ts';
import { indexContext, indexKey, readIndex } from '../../../engine/repository/pack-index.ts';
import { packKey } from '../../../engine/repository/pack.ts';
import { chunkPlace, damageChunk, dataDigest, dataStream, MiB, packKeys, streamDigest } from './_helpers.ts';

export interface SuiteBackend {
  readonly name: string;
  /** A fresh, empty store location. */
  makeStore(): Promise<ObjectStore>;
  /** URL of that location for a child process, plus env it needs (credentials). */
  childTarget(store: ObjectStore): { url: string; env: Record<string, string> };
  /** Bytes of the large round trip. */
  readonly largeBytes: number;
  /** Half-written objects left in the store (temporary files), where the backend has them. */
  leftovers?(store: ObjectStore): Promise<number>;
}

const KEY = Buffer.from(randomBytes(32).toString('base64'));

async function freshRepo(
  backend: SuiteBackend,
  key: Buffer = KEY,
  lockTtlMs?: number,
): Promise<{ store: ObjectStore; repo: Repository }> {
  const store = await backend.makeStore();
  await Repository.init(store, { key });
  const repo = await Repository.open(store, { key, ...(lockTtlMs ? { lockTtlMs } : {}) });
  return { store, repo };
}

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys;
}

export function repositorySuite(backend: SuiteBackend): void {
  describe(`repository on ${backend.name}`, () => {
    it.each([
      ['empty', 0],
      ['1 byte', 1],
      ['100 KiB (one short chunk)', 100 * 1024],
      ['9 MiB (several chunks)', 9 * MiB],
    ])('round trip: %s', async (_label, bytes) => {
      const { repo } = await freshRepo(backend);
      const writer = await repo.startBackup({ app: 'shop', member: 'orders' });
      const put = await writer.put('data.copy', dataStream({ bytes, seed: 3 }), { format: 'copy' });
      expect(put.bytes).toBe(bytes);
      await writer.commit({
        members: [{ name: 'orders', engine: 'postgres', markers: [{ kind: 'lsn', value: '0/1' }] }],
      });
      const back = await streamDigest(await repo.openArtifact(writer.backupId, 'orders', 'data.copy'));
      expect(back).toEqual({ sha256: dataDigest({ bytes, seed: 3 }), bytes });
      const manifest = await repo.readManifest(writer.backupId);
      expect(manifest.members[0]?.markers).toEqual([{ kind: 'lsn', value: '0/1' }]);
      expect(manifest.artifacts[0]?.meta).toEqual({ format: 'copy' });
    });

    it(`round trip of a large stream (${backend.largeBytes / MiB} MiB) in bounded memory`, async () => {
      const { repo } = await freshRepo(backend);
      const bytes = backend.largeBytes;
      // digest first: it also builds the generator's text pool outside the measurement
      const expected = dataDigest({ bytes, seed: 4 });
      const writer = await repo.startBackup({ app: 'big' });
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      try {
        await writer.put('dump.sql', dataStream({ bytes, seed: 4 }));
        await writer.commit();
        expect(writer.stats.newBytesStored).toBeLessThan(bytes / 1.8); // compressed
        const back = await streamDigest(await repo.openArtifact(writer.backupId, 'big', 'dump.sql'));
        expect(back).toEqual({ sha256: expected, bytes });
      } finally {
        clearInterval(sampler);
      }
      console.log(
        `large round trip: RSS grew ${((peak - rssBefore) / MiB).toFixed(0)} MiB for ${bytes / MiB} MiB`,
      );
      // pipeline memory is bounded by chunks in flight, not by the stream size
      expect(peak - rssBefore).toBeLessThan(200 * MiB);
    });

    it('dedup: an identical second backup uploads nothing; a changed spot (one 1 MiB block in 64) uploads ~2 chunks', async () => {
      const { repo } = await freshRepo(backend);
      const bytes = 64 * MiB;
      const first = await repo.startBackup({ app: 'shop' });
      await first.put('dump', dataStream({ bytes, seed: 5 }));
      await first.commit();
      const second = await repo.startBackup({ app: 'shop' });
      await second.put('dump', dataStream({ bytes, seed: 5 }));
      await second.commit();
      expect(second.stats.newChunks).toBe(0);
      expect(second.stats.newBytesStored).toBe(0);
      const third = await repo.startBackup({ app: 'shop' });
      // 64 bytes altered in one 1 MiB block of 64
      await third.put('dump', dataStream({ bytes, seed: 5, mutate: (b) => b % 100 === 50 }));
      await third.commit();
      expect(third.stats.newChunks).toBeGreaterThan(0);
      expect(third.stats.newBytesPlain / bytes).toBeLessThan(0.08);
      console.log(`one changed spot: ${((100 * third.stats.newBytesPlain) / bytes).toFixed(2)}% new bytes`);
      const back = await streamDigest(await repo.openArtifact(third.backupId, 'shop', 'dump'));
      expect(back.sha256).toBe(dataDigest({ bytes, seed: 5, mutate: (b) => b % 100 === 50 }));
    });

    it('tampering with a chunk is detected and named (backup, artifact, chunk)', async () => {
      const { store, repo } = await freshRepo(backend);
      const writer = await repo.startBackup({ app: 'shop', member: 'orders' });
      await writer.put(
        'data.copy',
        dataStream({
          bytes: 12 * MiB + 1,
          seed: 6 /* > 3 max-size chunks: at least 4 chunks whatever the key */,
        }),
      );
      const manifest = await writer.commit();
      const victim = manifest.artifacts[0]?.chunks[1]?.[0] ?? '';
      await damageChunk(store, await chunkPlace(repo, writer.backupId, victim), 100);
      const failure = streamDigest(await repo.openArtifact(writer.backupId, 'orders', 'data.copy'));
      await expect(failure).rejects.toThrow(RepositoryError);
      await expect(failure).rejects.toThrow(
        `backup ${writer.backupId} artifact orders/data.copy chunk ${victim}: authentication failed`,
      );
      const report = await repo.verify(writer.backupId);
      expect(report.errors).toHaveLength(1);
      expect(report.errors[0]).toMatchObject({
        backupId: writer.backupId,
        artifact: 'orders/data.copy',
        chunk: victim,
      });
      // and a pack replaced by another valid pack (of another backup) is caught: every
      // chunk of the backup that lay in it is named, the other backup stays intact
      const other = await repo.startBackup({ app: 'shop', member: 'orders' });
      await other.put('data.copy', dataStream({ bytes: 3 * MiB, seed: 7 }));
      await other.commit();
      const [otherPack] = new Set(
        [...(await readIndex(repo.ctx, other.backupId)).values()].map((at) => at.pack),
      );
      const index = await readIndex(repo.ctx, writer.backupId);
      const victimPack = packKey(index.get(victim)?.pack ?? '');
      await store.put(victimPack, [await store.get(packKey(otherPack ?? ''))]);
      const inVictimPack = [...index].filter(([, at]) => packKey(at.pack) === victimPack).map(([id]) => id);
      const errors = (await repo.verify()).errors;
      expect(errors.map((e) => e.chunk).sort()).toEqual(inVictimPack.sort());
      expect(new Set(errors.map((e) => e.backupId))).toEqual(new Set([writer.backupId]));
    });

    it('create-if-absent puts never overwrite (manifests, config)', async () => {
      const store = await backend.makeStore();
      await store.put('x/once', [Buffer.from('first')], { ifNoneMatch: true });
      await expect(
        store.put('x/once', [Buffer.from('second')], { ifNoneMatch: true }),
      ).rejects.toBeInstanceOf(ObjectExistsError);
      expect((await store.get('x/once')).toString()).toBe('first');
    });

    it('a wrong or missing key is a clear error, never garbage', async () => {
      const { store } = await freshRepo(backend);
      await expect(Repository.open(store, { key: Buffer.from('not the right key at all') })).rejects.toThrow(
        /wrong repository key/,
      );
      await expect(Repository.open(store, {})).rejects.toThrow(
        /is encrypted: give its key with --key-file PATH or LIFEBOAT_REPO_KEY/,
      );
    });

    it('an unencrypted repository warns loudly at init and still checks integrity', async () => {
      const store = await backend.makeStore();
      const { warnings } = await Repository.init(store);
      expect(warnings.join('\n')).toMatch(/NO ENCRYPTION KEY.*UNENCRYPTED/);
      await expect(Repository.init(store)).rejects.toThrow(/already initialised/);
      const repo = await Repository.open(store);
      const writer = await repo.startBackup({ app: 'x' });
      await writer.put('a', dataStream({ bytes: MiB, seed: 1 }));
      await writer.commit();
      expect((await repo.verify()).errors).toEqual([]);
    });

    it('multi-member backups read back through ArtifactSource; abort leaves nothing visible', async () => {
      const { store, repo } = await freshRepo(backend);
      const writer = await repo.startBackup({ app: 'shop' });
      await writer
        .member('orders')
        .put('schema.sql', dataStream({ bytes: 1000, seed: 1 }), { kind: 'schema' });
      await writer.member('orders').put('data.copy', dataStream({ bytes: 2 * MiB, seed: 2 }));
      await writer.member('users').put('users.bson', dataStream({ bytes: 5000, seed: 3 }));
      await writer.commit();
      const source = await repo.source(writer.backupId, 'orders');
      expect(await source.list()).toEqual(['schema.sql', 'data.copy']);
      expect(await source.meta('schema.sql')).toEqual({ kind: 'schema' });
      expect((await streamDigest(source.open('data.copy'))).sha256).toBe(
        dataDigest({ bytes: 2 * MiB, seed: 2 }),
      );
      const aborted = await repo.startBackup({ app: 'shop' });
      await aborted.put('x', dataStream({ bytes: MiB, seed: 9 }));
      await aborted.abort();
      expect((await repo.list()).map((b) => b.backupId)).toEqual([writer.backupId]);
      // the pack it was writing is not left half-written
      if (backend.leftovers) expect(await backend.leftovers(store)).toBe(0);
      await expect(repo.readManifest(aborted.backupId)).rejects.toThrow(/does not exist/);
    });

    it('a failing input stream fails the backup: commit refuses, nothing becomes visible', async () => {
      const { repo } = await freshRepo(backend);
      const writer = await repo.startBackup({ app: 'shop' });
      async function* dying(): AsyncGenerator<Buffer> {
        yield* dataStream({ bytes: 2 * MiB, seed: 12 }) as AsyncIterable<Buffer>;
        await Promise.resolve();
        throw new Error('pg_dump exited 1');
      }
      await expect(writer.put('dump', dying())).rejects.toThrow(
        `backup ${writer.backupId}: artifact shop/dump: input stream failed: pg_dump exited 1`,
      );
      await expect(writer.commit()).rejects.toThrow(/input stream failed: pg_dump exited 1/);
      expect(await repo.list()).toEqual([]);
    });

    it('prune: retention, with a concurrent backup nothing it uses is deleted; orphans go later', async () => {
      const { store, repo } = await freshRepo(backend);
      const ids: string[] = [];
      for (const seed of [10, 11]) {
        const w = await repo.startBackup({ app: 'shop' });
        await w.put('dump', dataStream({ bytes: 2 * MiB, seed }));
        await w.commit();
        ids.push(w.backupId);
      }
      // a backup in progress that reuses backup 0's data (which prune is about to drop)
      const running = await repo.startBackup({ app: 'shop' });
      await running.put('dump', dataStream({ bytes: 2 * MiB, seed: 10 }));
      await repo.putReport(ids[0] ?? '', 'drill', { passed: true });
      await repo.putReport(ids[1] ?? '', 'drill', { passed: false });
      expect(await keysUnder(store, `reports/${ids[0] ?? ''}/`)).toHaveLength(1);
      const during = await repo.prune({ policy: { keepLast: 1 } });
      // the removed backup's drill reports go with it; the kept backup's stay
      expect(await keysUnder(store, `reports/${ids[0] ?? ''}/`)).toEqual([]);
      expect((await repo.readReports(ids[1] ?? '', 'drill')).map((r) => r.report)).toEqual([
        { passed: false },
      ]);
      expect(during.removed).toEqual([ids[0]]);
      expect(during.packsDeleted).toBe(0);
      expect(during.deferredReason).toMatch(new RegExp(`backup ${running.backupId} in progress`));
      await running.commit();
      expect((await repo.verify()).errors).toEqual([]);
      // now backup 1 is the oldest; keepLast 1 keeps only the running (now committed) one
      const after = await repo.prune({ policy: { keepLast: 1 } });
      expect(after.removed).toEqual([ids[1]]);
      expect(after.packsDeleted).toBeGreaterThan(0);
      expect(after.indexesDeleted).toBe(2);
      expect((await repo.verify()).errors).toEqual([]);
      // left: exactly the packs the remaining backup's index names, and its index alone
      const left = new Set(
        [...(await readIndex(repo.ctx, running.backupId)).values()].map((at) => packKey(at.pack)),
      );
      expect(await packKeys(store)).toEqual([...left].sort());
      expect(await keysUnder(store, 'index/')).toEqual([`index/${running.backupId}`]);
    });

    it('prune never takes a backup that commits while it reads the manifests', async () => {
      const { store, repo } = await freshRepo(backend);
      const old = await repo.startBackup({ app: 'shop' });
      await old.put('dump', dataStream({ bytes: MiB, seed: 13 }));
      await old.commit();
      const running = await repo.startBackup({ app: 'shop' });
      await running.put('dump', dataStream({ bytes: 2 * MiB, seed: 14 }));
      // the running backup commits (and drops its lock) right after prune has listed the
      // manifests, i.e. before prune could see its manifest
      let armed = true;
      const racing = new Proxy(store, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key, target);
          if (key === 'list') {
            return (prefix: string) =>
              (async function* () {
                yield* target.list(prefix);
                if (prefix === 'manifests/' && armed) {
                  armed = false;
                  await running.commit();
                }
              })();
          }
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const pruner = await Repository.open(racing, { key: KEY });
      const report = await pruner.prune({ policy: { keepLast: 5 } });
      expect(armed).toBe(false);
      expect(report.packsDeleted).toBe(0);
      expect((await repo.list()).map((b) => b.backupId)).toEqual([old.backupId, running.backupId]);
      expect((await repo.verify()).errors).toEqual([]);
    });

    it('a backup waits for a running prune before relying on existing chunks', async () => {
      const { store, repo } = await freshRepo(backend);
      const pruneLock = await HeldLock.acquire(store, 'prune', 'test', 60_000);
      const t0 = Date.now();
      setTimeout(() => void pruneLock.release(), 1200);
      const w = await repo.startBackup({ app: 'shop' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      await w.abort();
    });

    it('an index written as JSON (format 1, before session 7) still reads, deduplicates and verifies', async () => {
      const { store, repo } = await freshRepo(backend);
      const first = await repo.startBackup({ app: 'shop' });
      await first.put('dump', dataStream({ bytes: 5 * MiB, seed: 71 }));
      await first.commit();
      // the same index as the previous format wrote it, sealed as it was
      const index = await readIndex(repo.ctx, first.backupId);
      const packs: Record<string, [string, number, number][]> = {};
      for (const [id, at] of index) (packs[at.pack] ??= []).push([id, at.offset, at.length]);
      const json = Buffer.from(JSON.stringify({ version: 1, packs }), 'utf8');
      const sealed = await seal(json, {
        key: repo.ctx.dataKey,
        level: 3,
        context: indexContext(first.backupId),
      });
      await store.put(indexKey(first.backupId), sealed.parts);
      expect(await readIndex(repo.ctx, first.backupId)).toEqual(index);
      expect(await streamDigest(await repo.openArtifact(first.backupId, 'shop', 'dump'))).toEqual({
        sha256: dataDigest({ bytes: 5 * MiB, seed: 71 }),
        bytes: 5 * MiB,
      });
      const second = await repo.startBackup({ app: 'shop' });
      await second.put('dump', dataStream({ bytes: 5 * MiB, seed: 71 }));
      await second.commit();
      expect(second.stats.newChunks).toBe(0);
      expect((await repo.verify()).errors).toEqual([]);
    });

    it('repair-index rebuilds a missing or damaged index from pack headers; a backup missing chunks is reported, not rebuilt', async () => {
      const { store, repo } = await freshRepo(backend);
      const ids: string[] = [];
      for (const seed of [60, 61, 62]) {
        const w = await repo.startBackup({ app: 'shop' });
        await w.put('dump', dataStream({ bytes: 2 * MiB, seed }));
        await w.commit();
        ids.push(w.backupId);
      }
      const [first = '', second = '', third = ''] = ids;
      expect((await repo.repairIndexes()).broken).toEqual([]);
      // one index gone, one altered
      await store.delete(`index/${first}`);
      const altered = await store.get(`index/${second}`);
      altered.writeUInt8(altered.readUInt8(40) ^ 1, 40);
      await store.put(`index/${second}`, [altered]);
      await expect(repo.openArtifact(first, 'shop', 'dump')).rejects.toThrow(
        /chunk index is missing \(run: lifeboat repo repair-index\)/,
      );
      expect((await repo.prune({ policy: { keepLast: 5 } })).deferredReason).toMatch(/repair-index/);
      // a backup in progress: refused (its packs may not be durable yet)
      const running = await repo.startBackup({ app: 'other' });
      await expect(repo.repairIndexes()).rejects.toThrow(/backup .* is in progress/);
      await running.abort();
      const dry = await repo.repairIndexes({ dryRun: true });
      const both = [first, second].sort();
      expect(dry.repaired).toEqual(both);
      expect(await store.head(`index/${first}`)).toBeUndefined();
      const report = await repo.repairIndexes();
      expect(report).toMatchObject({
        broken: both,
        repaired: both,
        incomplete: [],
        locked: [],
      });
      for (const [id, seed] of [
        [first, 60],
        [second, 61],
      ] as const) {
        expect(await streamDigest(await repo.openArtifact(id, 'shop', 'dump'))).toEqual({
          sha256: dataDigest({ bytes: 2 * MiB, seed }),
          bytes: 2 * MiB,
        });
      }
      expect((await repo.verify()).errors).toEqual([]);
      expect((await repo.prune({ policy: { keepLast: 5 } })).deferredReason).toBeUndefined();
      // the third backup loses its index and its pack: nothing to rebuild from
      const chunk = (await repo.readManifest(third)).artifacts[0]?.chunks[0]?.[0] ?? '';
      const place = await chunkPlace(repo, third, chunk);
      await store.delete(`index/${third}`);
      await store.delete(place.key);
      const lost = await repo.repairIndexes();
      expect(lost.repaired).toEqual([]);
      expect(lost.incomplete).toHaveLength(1);
      expect(lost.incomplete[0]?.backupId).toBe(third);
      expect(lost.incomplete[0]?.missingChunks).toBeGreaterThan(0);
      expect(await store.head(`index/${third}`)).toBeUndefined();
    });

    it('forget removes the named backups whatever the policy, then their packs; an unknown id changes nothing', async () => {
      const { store, repo } = await freshRepo(backend);
      const ids: string[] = [];
      for (const seed of [80, 81, 82]) {
        const w = await repo.startBackup({ app: 'shop' });
        await w.put('dump', dataStream({ bytes: MiB, seed }));
        await w.commit();
        ids.push(w.backupId);
      }
      const [a = '', b = '', c = ''] = ids;
      await expect(repo.prune({ forget: new Set([b, '20990101T000000Z-00000000']) })).rejects.toThrow(
        /backup 20990101T000000Z-00000000 does not exist/,
      );
      expect((await repo.list()).map((x) => x.backupId).sort()).toEqual([...ids].sort());
      const dry = await repo.prune({ forget: new Set([b]), dryRun: true });
      expect(dry.removed).toEqual([b]);
      expect(await repo.list()).toHaveLength(3);
      const bPacks = new Set([...(await readIndex(repo.ctx, b)).values()].map((at) => packKey(at.pack)));
      const report = await repo.prune({ forget: new Set([b]) });
      expect(report.removed).toEqual([b]);
      expect([...report.kept].sort()).toEqual([a, c].sort());
      expect(report.packsDeleted).toBe(bPacks.size);
      expect((await packKeys(store)).filter((key) => bPacks.has(key))).toEqual([]);
      expect((await repo.list()).map((x) => x.backupId).sort()).toEqual([a, c].sort());
      expect((await repo.verify()).errors).toEqual([]);
      await expect(repo.prune({})).rejects.toThrow(/nothing to prune/);
    });

    describe('repack', () => {
      const SEGMENT = 256 * 1024;
      const cache = new Map<number, Buffer>();
      /** 256 KiB of hex text from a seed (compresses ~2×), made once. */
      const segment = (seed: number): Buffer => {
        let bytes = cache.get(seed);
        if (!bytes) {
          const lines: string[] = [];
          for (let i = 0; i < SEGMENT / 64; i++)
            lines.push(createHash('sha256').update(`${seed}:${i}`).digest('hex'));
          cache.set(seed, (bytes = Buffer.from(lines.join(''), 'latin1')));
        }
        return bytes;
      };
      /** Segments, one seed each, as one stream. */
      const segments = (seeds: readonly number[]): Readable =>
        Readable.from(
          seeds.map((seed) => Buffer.from(segment(seed))),
          { objectMode: false, highWaterMark: 1 },
        );
      const segmentsDigest = (seeds: readonly number[]): Promise<{ sha256: string; bytes: number }> =>
        streamDigest(segments(seeds));
      const ALL = [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41];
      const KEPT = [30, 32, 34, 36, 38, 40];

      /**
       * Backup "old" stores ALL in small packs of small chunks (each pack mixes kept and
       * dropped segments); backup "kept" reuses the even segments. Dropping "old" leaves
       * its packs used in part.
       */
      async function mixedPacks(): Promise<{ store: ObjectStore; repo: Repository; kept: string }> {
        const store = await backend.makeStore();
        await Repository.init(store, {
          key: KEY,
          chunker: { min: 8 * 1024, avg: 16 * 1024, max: 64 * 1024 },
        });
        const repo = await Repository.open(store, { key: KEY, packBytes: 128 * 1024 });
        const old = await repo.startBackup({ app: 'shop' });
        await old.put('dump', segments(ALL));
        await old.commit();
        const kept = await repo.startBackup({ app: 'shop' });
        await kept.put('dump', segments(KEPT));
        await kept.commit();
        expect(kept.stats.newChunks).toBeLessThan(old.stats.newChunks / 4);
        return { store, repo, kept: kept.backupId };
      }

      async function storedBytes(store: ObjectStore): Promise<number> {
        let n = 0;
        for await (const info of store.list('packs/')) n += info.size;
        return n;
      }

      async function indexedPacks(repo: Repository, backupId: string): Promise<string[]> {
        const packs = new Set(
          [...(await readIndex(repo.ctx, backupId)).values()].map((at) => packKey(at.pack)),
        );
        return [...packs].sort();
      }

      it('rewrites packs used in part: the kept backup reads back, the dead bytes go, a second prune rewrites nothing', async () => {
        const { store, repo, kept } = await mixedPacks();
        const before = await storedBytes(store);
        const dry = await repo.prune({ policy: { keepLast: 1 }, dryRun: true, maxUnused: 0 });
        expect(dry.packsRepacked).toBeGreaterThan(2);
        expect(await storedBytes(store)).toBe(before);
        // with the default limit nothing is rewritten only while the dead bytes are under 5 %
        const report = await repo.prune({ policy: { keepLast: 1 }, maxUnused: 0 });
        expect(report.removed).toHaveLength(1);
        expect(report.packsRepacked).toBe(dry.packsRepacked);
        expect(report.packsWritten).toBeGreaterThan(0);
        expect(report.repackWarnings).toEqual([]);
        expect(report.repackSkipped).toBeUndefined();
        const after = await storedBytes(store);
        // half the data was dropped: well over a third of the bytes must be gone
        expect(after).toBeLessThan(before * 0.65);
        expect(report.bytesFreed).toBeGreaterThan(0);
        expect(await streamDigest(await repo.openArtifact(kept, 'shop', 'dump'))).toEqual(
          await segmentsDigest(KEPT),
        );
        expect((await repo.verify()).errors).toEqual([]);
        // only packs the kept index names are left
        expect(await packKeys(store)).toEqual(await indexedPacks(repo, kept));
        // a pack's header is not dead: nothing left to rewrite, not even with a zero limit
        const again = await repo.prune({ policy: { keepLast: 1 }, maxUnused: 0 });
        expect(again.packsRepacked).toBe(0);
        expect(again.packsWritten).toBe(0);
        expect(await storedBytes(store)).toBe(after);
      });

      it('the unused limit: "unlimited" never rewrites, and reports what stays unused', async () => {
        const { store, repo } = await mixedPacks();
        const report = await repo.prune({ policy: { keepLast: 1 }, maxUnused: Infinity });
        expect(report.packsRepacked).toBe(0);
        expect(report.bytesUnused).toBeGreaterThan(0);
        const held = await storedBytes(store);
        const limited = await repo.prune({ policy: { keepLast: 1 }, maxUnused: 0.05 });
        expect(limited.packsRepacked).toBeGreaterThan(0);
        expect(limited.bytesUnused).toBeLessThanOrEqual(0.05 * held);
        expect(await storedBytes(store)).toBeLessThan(held);
      });

      it('a restore reading while prune rewrites its packs finds its chunks in the new packs', async () => {
        const { store, repo, kept } = await mixedPacks();
        const original = new Set(await indexedPacks(repo, kept));
        const stream = await repo.openArtifact(kept, 'shop', 'dump');
        const pieces: Buffer[] = [];
        const reading = stream[Symbol.asyncIterator]();
        const first = await reading.next();
        if (!first.done) pieces.push(first.value as Buffer);
        const report = await repo.prune({ policy: { keepLast: 1 }, maxUnused: 0 });
        expect(report.packsRepacked).toBeGreaterThan(0);
        // packs the reader's index named are gone
        const now = new Set(await packKeys(store));
        expect([...original].filter((key) => !now.has(key)).length).toBeGreaterThan(0);
        for (let next = await reading.next(); !next.done; next = await reading.next())
          pieces.push(next.value as Buffer);
        const back = Buffer.concat(pieces);
        expect({ sha256: createHash('sha256').update(back).digest('hex'), bytes: back.length }).toEqual(
          await segmentsDigest(KEPT),
        );
      });

      it('a damaged chunk stops the rewrite of its pack only: the pack stays for verify to name', async () => {
        const { store, repo, kept } = await mixedPacks();
        const keptIndex = await readIndex(repo.ctx, kept);
        const [oldId] = (await repo.list()).map((b) => b.backupId);
        // a chunk the kept backup uses inside a pack of the dropped backup that also
        // holds chunks only the dropped one uses (a pack due for rewriting)
        const byPack = new Map<string, string[]>();
        for (const [id, at] of await readIndex(repo.ctx, oldId ?? ''))
          byPack.set(at.pack, [...(byPack.get(at.pack) ?? []), id]);
        const mixed = [...byPack.values()].find(
          (ids) => ids.some((id) => keptIndex.has(id)) && ids.some((id) => !keptIndex.has(id)),
        );
        const sharedId = mixed?.find((id) => keptIndex.has(id));
        const at = sharedId === undefined ? undefined : keptIndex.get(sharedId);
        if (sharedId === undefined || !at) throw new Error('no chunk shared inside a mixed pack');
        const shared = { id: sharedId, at };
        const place = { key: packKey(shared.at.pack), offset: shared.at.offset, length: shared.at.length };
        await damageChunk(store, place, 40);
        const report = await repo.prune({ policy: { keepLast: 1 }, maxUnused: 0 });
        expect(report.repackWarnings.join('\n')).toContain(`chunk ${shared.id}`);
        expect(await store.head(place.key)).toBeDefined();
        const verify = await repo.verify();
        expect(verify.errors.map((e) => e.chunk)).toEqual([shared.id]);
      });

      it('a backup in progress: packs are not rewritten (it may deduplicate against them)', async () => {
        const { store, repo } = await mixedPacks();
        const running = await repo.startBackup({ app: 'other' });
        try {
          const before = await packKeys(store);
          const report = await repo.prune({ policy: { keepLast: 1 }, app: 'shop', maxUnused: 0 });
          expect(report.removed).toHaveLength(1);
          expect(report.packsRepacked).toBe(0);
          expect(report.repackSkipped).toMatch(new RegExp(`backup ${running.backupId} in progress`));
          expect(await packKeys(store)).toEqual(before);
        } finally {
          await running.abort();
        }
      });

      it('another prune in progress: nothing is deleted or rewritten', async () => {
        const { store, repo } = await mixedPacks();
        const other = await HeldLock.acquire(store, 'prune', 'other', 60_000);
        try {
          const before = await packKeys(store);
          const report = await repo.prune({ policy: { keepLast: 1 }, maxUnused: 0 });
          expect(report.removed).toHaveLength(1);
          expect(report.deferredReason).toMatch(/another prune \(other\) in progress/);
          expect(report.packsRepacked).toBe(0);
          expect(report.repackSkipped).toMatch(/another prune/);
          expect(await packKeys(store)).toEqual(before);
        } finally {
          await other.release();
        }
      });

      it('a rewrite that fails half way leaves every backup readable, and the next prune finishes it', async () => {
        const { store, repo, kept } = await mixedPacks();
        // a second kept backup, so two indexes need rewriting; the second rewrite fails
        const also = await repo.startBackup({ app: 'other' });
        await also.put('dump', segments([31, 33]));
        await also.commit();
        let indexPuts = 0;
        const failing = new Proxy(store, {
          get(target, key) {
            const value: unknown = Reflect.get(target, key, target);
            if (key === 'put') {
              return (k: string, ...rest: unknown[]) => {
                if (k.startsWith('index/') && ++indexPuts === 2)
                  return Promise.reject(new Error('injected failure'));
                return (value as (...a: unknown[]) => Promise<void>).call(target, k, ...rest);
              };
            }
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
        const pruner = await Repository.open(failing, { key: KEY, packBytes: 128 * 1024 });
        await expect(pruner.prune({ policy: { keepLast: 1 }, app: 'shop', maxUnused: 0 })).rejects.toThrow(
          /injected failure/,
        );
        expect(indexPuts).toBe(2);
        expect(await streamDigest(await repo.openArtifact(kept, 'shop', 'dump'))).toEqual(
          await segmentsDigest(KEPT),
        );
        expect(await streamDigest(await repo.openArtifact(also.backupId, 'other', 'dump'))).toEqual(
          await segmentsDigest([31, 33]),
        );
        expect((await repo.verify()).errors).toEqual([]);
        const report = await repo.prune({ policy: { keepLast: 1 }, app: 'shop', maxUnused: 0 });
        expect(report.packsRepacked).toBeGreaterThan(0);
        expect((await repo.verify()).errors).toEqual([]);
        const named = new Set([
          ...(await indexedPacks(repo, kept)),
          ...(await indexedPacks(repo, also.backupId)),
        ]);
        expect(await packKeys(store)).toEqual([...named].sort());
      });
    });

    it('a killed backup process leaves no visible backup, and prune removes its orphans', async () => {
      const { store, repo } = await freshRepo(backend, KEY, 1500);
      const target = backend.childTarget(store);
      const child = spawn(
        process.execPath,
        [join(dirname(fileURLToPath(import.meta.url)), '_backup-child.ts')],
        {
          env: {
            ...process.env,
            ...target.env,
            REPO_URL: target.url,
            LIFEBOAT_REPO_KEY: KEY.toString('utf8'),
            LOCK_TTL_MS: '1500',
            PACK_BYTES: String(256 * 1024),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve, reject) => {
        child.on('exit', (code) => {
          reject(new Error(`child exited ${code}: ${stderr}`));
        });
        child.stdout.on('data', (d: Buffer) => {
          const m = /packs (\d+)/.exec(d.toString());
          if (m && Number(m[1]) >= 3) resolve();
        });
      });
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      expect(await repo.list()).toEqual([]);
      const orphans = (await packKeys(store)).length;
      expect(orphans).toBeGreaterThanOrEqual(3);
      // its lock is still live: prune must not touch the packs yet
      const early = await repo.prune({ policy: { keepLast: 1 } });
      expect(early.packsDeleted).toBe(0);
      expect(early.packsDeferred).toBe(orphans);
      await new Promise((r) => setTimeout(r, 1700));
      const late = await repo.prune({ policy: { keepLast: 1 } });
      expect(late.packsDeleted).toBe(orphans);
      expect(late.locksRemoved).toBe(1);
      expect(await packKeys(store)).toEqual([]);
      if (backend.leftovers) expect(await backend.leftovers(store)).toBe(0);
    });
  });
}
