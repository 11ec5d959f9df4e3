/** `lifeboat forget ID…`: remove chosen backups now, then collect what no backup uses. */
import type { Command } from 'commander';
import { printPruneReport, pruneWithProgress, withCollectOptions } from './_prune-run.ts';
import {
  openRepository,
  outputFormat,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';

interface ForgetFlags extends RepositoryFlags {
  readonly dryRun?: boolean;
  readonly maxUnused: number;
  readonly output: 'table' | 'json';
}

export function registerForget(program: Command): void {
  withRepositoryOptions(
    withCollectOptions(
      program
        .command('forget')
        .description(
          'remove these backups whatever the retention policy (not one still under Object Lock retention), then delete the packs no remaining backup uses; exit 1 if any is retained',
        )
        .argument('<backup-id...>', 'the backups to remove')
        .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
    ),
  ).action(async (ids: string[], flags: ForgetFlags) => {
    const repo = await openRepository(flags);
    const report = await pruneWithProgress(repo, {
      forget: new Set(ids),
      dryRun: flags.dryRun === true,
      maxUnused: flags.maxUnused,
    });
    if (report.retained.length > 0) process.exitCode = 1;
    if (flags.output === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printPruneReport(report, flags.dryRun === true);
  });
}
