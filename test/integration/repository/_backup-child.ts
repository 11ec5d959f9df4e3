/**
 * A backup writer run as a separate process so a test can SIGKILL it mid-backup.
 * Env: REPO_URL, LOCK_TTL_MS, PACK_BYTES, and the usual key / AWS variables. Prints
 * `packs N` (packs written so far) every 100 ms; writes forever until killed.
 */
import { Readable } from 'node:stream';
import { Repository, openStore, loadKeySecret } from '../../../engine/repository/index.ts';
import { realisticBlocks } from '../../../bench/repo-data.ts';

const url = process.env.REPO_URL ?? '';
const repo = await Repository.open(await openStore(url), {
  key: loadKeySecret(),
  lockTtlMs: Number(process.env.LOCK_TTL_MS ?? 1500),
  ...(process.env.PACK_BYTES ? { packBytes: Number(process.env.PACK_BYTES) } : {}),
});
const writer = await repo.startBackup({ app: 'crashy' });
process.stdout.write(`started ${writer.backupId}\n`);
const timer = setInterval(() => {
  process.stdout.write(`packs ${writer.stats.packs}\n`);
}, 100);
timer.unref();
await writer.put(
  'endless.dump',
  Readable.from(realisticBlocks({ bytes: Number.MAX_SAFE_INTEGER, seed: 99 })),
);
