/**
 * Benchmark: what a backup start costs on S3 with many large backups: reading every
 * chunk index (to deduplicate against them), without and with the local index cache,
 * against the real S3 server (MinIO) of `testcontainers/`. The indexes are synthetic
 * (written through `sealIndex`, each chunk in a pack of eight, as a backup writes
 * them), so no 100 GiB backups have to be taken first. Last line:
 *   repo_index_start indexes=<n> mb=<stored> no_cache_s=<s> cached_s=<s>
 * Env: BENCH_INDEXES (default 40), BENCH_INDEX_CHUNKS (default 102400: 100 GiB at 1 MiB chunks).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repository } from '../engine/repository/index.ts';
import { indexKey, readAllIndexes, sealIndex, type ChunkIndex } from '../engine/repository/pack-index.ts';
import { S3Store } from '../engine/repository/s3-store.ts';
import { startS3 } from '../testcontainers/index.ts';

const INDEXES = Number(process.env.BENCH_INDEXES ?? 40);
const CHUNKS = Number(process.env.BENCH_INDEX_CHUNKS ?? 102_400);

const s3 = await startS3({ name: 'bench-index' });
const cacheDir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-index-'));
try {
  const store = new S3Store({
    bucket: s3.bucket,
    prefix: `bench-${randomBytes(4).toString('hex')}`,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const key = randomBytes(32);
  await Repository.init(store, { key });
  const cached = await Repository.open(store, { key, cacheDir });
  const plain = await Repository.open(store, { key, cacheDir: false });

  let stored = 0;
  for (let b = 0; b < INDEXES; b++) {
    const index: ChunkIndex = new Map();
    let pack = '';
    for (let c = 0; c < CHUNKS; c++) {
      if (c % 8 === 0) pack = randomBytes(16).toString('hex');
      index.set(randomBytes(32).toString('hex'), { pack, offset: (c % 8) * 1_048_576, length: 1_048_576 });
    }
    const id = `20261126T000000Z-${randomBytes(4).toString('hex')}`;
    const parts = await sealIndex(cached.ctx, id, index);
    stored += parts.reduce((sum, part) => sum + part.length, 0);
    await store.put(indexKey(id), parts);
  }
  const mb = stored / 1e6;
  console.log(`${INDEXES} indexes of ${CHUNKS} chunks each: ${mb.toFixed(0)} MB stored on ${s3.name}`);

  const read = async (label: string, repo: Repository): Promise<number> => {
    const t0 = performance.now();
    const { indexes } = await readAllIndexes(repo.ctx, { cache: repo.ctx.indexCache });
    const seconds = (performance.now() - t0) / 1000;
    if (indexes.size !== INDEXES) throw new Error(`read ${indexes.size} indexes, expected ${INDEXES}`);
    console.log(`${label.padEnd(20)} ${seconds.toFixed(2)} s`);
    return seconds;
  };
  const noCache = await read('no cache', plain);
  await read('cache, first read', cached);
  const warm = await read('cache, warm', cached);
  console.log(
    `repo_index_start indexes=${INDEXES} mb=${mb.toFixed(0)} no_cache_s=${noCache.toFixed(2)} cached_s=${warm.toFixed(2)}`,
  );
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
  await s3.stop();
}
