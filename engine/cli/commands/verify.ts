/** `lifeboat verify`: re-read and check every chunk of one or all backups. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import {
  humanBytes,
  openRepository,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';

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
    const report = await repo.verify(backupId);
    for (const error of report.errors) process.stdout.write(`DAMAGED  ${error.message}\n`);
    process.stdout.write(
      `${report.errors.length === 0 ? 'ok' : 'FAILED'}: ${report.backups} backup(s), ${report.chunks} chunk(s), ${humanBytes(report.bytes)} verified, ${report.errors.length} error(s)\n`,
    );
    if (report.errors.length > 0) process.exitCode = 1;
  });
}
