/**
 * One complete backup of generated data into the repository at REPO_URL, run as its own
 * process so a test can trace its system calls. Env: REPO_URL, LIFEBOAT_REPO_KEY,
 * BYTES, SEED, PACK_BYTES. Prints the backup id.
 */
import { Readable } from 'node:stream';
import { Repository, openStore, loadKeySecret } from '../../../engine/repository/index.ts';
import { realisticBlocks } from '../../../bench/repo-data.ts';

const repo = await Repository.open(await openStore(process.env.REPO_URL ?? ''), {
  key: loadKeySecret(),
  ...(process.env.PACK_BYTES ? { packBytes: Number(process.env.PACK_BYTES) } : {}),
});
const writer = await repo.startBackup({ app: 'traced' });
await writer.put(
  'dump.sql',
  Readable.from(realisticBlocks({ bytes: Number(process.env.BYTES), seed: Number(process.env.SEED) })),
);
await writer.commit();
process.stdout.write(`${writer.backupId}\n`);
