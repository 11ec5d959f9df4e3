/**
 * A backup writer run as a separate process so a test can SIGKILL it mid-backup.
 * Env: REPO_URL, LOCK_TTL_MS, and the usual key / AWS variables. Prints `chunks N`
 * after each batch of uploaded chunks; writes forever until killed.
 */
import { Readable } from 'node:stream';
import { Repository, openStore, loadKeySecret } from '../../../engine/repository/index.ts';
import { realisticBlocks } from '../../../bench/repo-data.ts';

const url = process.env.REPO_URL ?? '';
const repo = await Repository.open(await openStore(url), {
  key: loadKeySecret(),
  lockTtlMs: Number(process.env.LOCK_TTL_MS ?? 1500),
});
const writer = await repo.startBackup({ app: 'crashy' });
process.stdout.write(`started ${writer.backupId}\n`);
const timer = setInterval(() => {
  process.stdout.write(`chunks ${writer.stats.newChunks}\n`);
}, 100);
timer.unref();
await writer.put(
  'endless.dump',
  Readable.from(realisticBlocks({ bytes: Number.MAX_SAFE_INTEGER, seed: 99 })),
);
