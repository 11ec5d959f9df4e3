/** `lifeboat verify`: re-read and check every chunk of one or all backups. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import {
  humanBytes,
  openRepository,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';
import { terminalProgress } from './_terminal-progress.ts';

interface VerifyFlags extends RepositoryFlags {
  readonly all?: boolean;
}

export function registerVerify(program: Command): void {
  withRepositoryOptions(
    program
      .command('verify')
      .description('read back and authenticate every chunk of a backup (or --all); exit 1 on any damage')
      .argument('[backup-id]', 'the backup to verify')
      .option('--all', 'verify every backup'),
  ).action(async (backupId: string | undefined, flags: VerifyFlags) => {
    if ((backupId === undefined) === (flags.all !== true))
      throw new UsageError('give a BACKUP_ID or --all (not both)');
    const repo = await openRepository(flags);
    // one backup: its size is the total (a chunk it holds twice is counted once, so the
    // share may stop short of 100 %)
    const total =
      backupId === undefined
        ? undefined
        : (await repo.readManifest(backupId)).artifacts.reduce((n, a) => n + a.bytes, 0);
    let checked = 0;
    const progress = terminalProgress('verified', () => ({
      bytes: checked,
      ...(total !== undefined && { total }),
    }));
    const report = await repo.verify(backupId, { onChunk: (bytes) => (checked += bytes) }).finally(() => {
      progress.stop();
    });
    for (const error of report.errors) process.stdout.write(`DAMAGED  ${error.message}\n`);
    process.stdout.write(
      `${report.errors.length === 0 ? 'ok' : 'FAILED'}: ${report.backups} backup(s), ${report.chunks} chunk(s), ${humanBytes(report.bytes)} verified, ${report.errors.length} error(s)\n`,
    );
    if (report.errors.length > 0) process.exitCode = 1;
  });
}
