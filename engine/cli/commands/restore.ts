/** `lifeboat restore`: load a backup's members back, to where they came from or elsewhere. */
import type { Command } from 'commander';
import { loadEngineSetup, passwordFromEnvironment, runRestore } from '../../runs/index.ts';
import {
  openRepository,
  outputFormat,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';
import { collect, positive, urlsByMember } from './_arguments.ts';
import { openRunDisplay } from './_run-display.ts';

interface RestoreFlags extends RepositoryFlags {
  readonly blueprint: string[];
  readonly to: string[];
  readonly only: string[];
  readonly force?: boolean;
  readonly withUsers?: boolean;
  readonly verify: boolean;
  readonly parallel: number;
  readonly output: 'table' | 'json';
}

export function registerRestore(program: Command): void {
  withRepositoryOptions(
    program
      .command('restore')
      .description('restore every member of a backup (or --only some) and verify the copies')
      .argument('<backup-id>', 'backup to restore (see lifeboat list)')
      .option(
        '--to <name=url>',
        'restore member NAME to URL; a database in the URL renames it; a physical capture (replica-snapshot) needs file:///path/to/empty/datadir (repeatable)',
        collect,
        [],
      )
      .option('--only <name>', 'restore only this member (repeatable)', collect, [])
      .option('--force', 'overwrite non-empty target databases (or empty a non-empty data directory)')
      .option(
        '--with-users',
        'also recreate the captured accounts (with their password hashes) and their grants (MySQL/MariaDB)',
      )
      .option('--no-verify', 'skip the fingerprint check of the restored databases')
      .option('-j, --parallel <n>', 'parallel streams per member', positive, 2)
      .option(
        '--blueprint <file>',
        'use this blueprint for its engine (repeatable; needed for engines without an adapter)',
        collect,
        [],
      )
      .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
  ).action(async (backupId: string, flags: RestoreFlags) => {
    const targets = urlsByMember('--to', flags.to);
    const setup = await loadEngineSetup(flags.blueprint);
    const repository = await openRepository(flags);
    const display = openRunDisplay(flags.output);
    try {
      const outcome = await runRestore(
        {
          backupId,
          only: flags.only,
          targets,
          force: flags.force ?? false,
          withUsers: flags.withUsers ?? false,
          verify: flags.verify,
          parallelism: flags.parallel,
          passwordFor: passwordFromEnvironment(),
        },
        setup,
        repository,
        display,
      );
      const members = outcome.restore.members.map((m) => m.member);
      const dirs = outcome.dataDirs;
      const servers = members.filter((m) => !dirs.some((d) => d.member === m));
      const verified = outcome.verify
        ? 'verified against the capture fingerprints'
        : servers.length === 0
          ? 'not verified (no server runs on a restored data directory yet)'
          : 'not verified (--no-verify)';
      if (flags.output === 'json') {
        process.stdout.write(
          `${JSON.stringify({ id: backupId, restored: members, rename: outcome.rename, verified: outcome.verify !== undefined, dataDirs: dirs, durationMs: outcome.restore.durationMs })}\n`,
        );
      } else {
        process.stdout.write(
          `restored ${members.join(', ')} from ${backupId} in ${(outcome.restore.durationMs / 1000).toFixed(1)}s; ${verified}\n`,
        );
        for (const d of dirs) {
          process.stdout.write(
            `${d.member}: data directory ${d.dataDir} is ready (not verified: no server runs on it yet); next:\n`,
          );
          for (const step of d.nextSteps) process.stdout.write(`  - ${step}\n`);
        }
      }
    } finally {
      display.close();
    }
  });
}
