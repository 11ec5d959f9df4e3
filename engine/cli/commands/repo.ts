/** `lifeboat repo init`: create a backup repository. */
import { InvalidArgumentError, type Command } from 'commander';
import { openStore, Repository } from '../../repository/index.ts';
import {
  count,
  keySecret,
  repositoryUrl,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';

interface InitFlags extends RepositoryFlags {
  readonly lockMode?: 'GOVERNANCE' | 'COMPLIANCE';
  readonly lockDays?: number;
  readonly compressionLevel?: number;
}

function lockMode(value: string): 'GOVERNANCE' | 'COMPLIANCE' {
  const upper = value.toUpperCase();
  if (upper !== 'GOVERNANCE' && upper !== 'COMPLIANCE')
    throw new InvalidArgumentError('expected "governance" or "compliance"');
  return upper;
}

export function registerRepo(program: Command): void {
  const repo = program.command('repo').description('manage backup repositories');
  withRepositoryOptions(
    repo
      .command('init')
      .description('create a repository (encrypted when a key is given)')
      .option(
        '--lock-mode <mode>',
        'S3 Object Lock mode for every object: governance or compliance',
        lockMode,
      )
      .option('--lock-days <n>', 'minimum Object Lock retention in days (with --lock-mode)', count)
      .option('--compression-level <n>', 'zstd level, 0 = none', count, 1),
  ).action(async (flags: InitFlags) => {
    const url = repositoryUrl(flags);
    const key = keySecret(flags);
    const lock =
      flags.lockMode === undefined ? undefined : { mode: flags.lockMode, days: flags.lockDays ?? 30 };
    const { config, warnings } = await Repository.init(await openStore(url), {
      ...(key ? { key } : {}),
      ...(lock ? { lock } : {}),
      ...(flags.compressionLevel !== undefined ? { compressionLevel: flags.compressionLevel } : {}),
    });
    for (const warning of warnings) {
      const loud = warning.startsWith('NO ENCRYPTION KEY');
      process.stderr.write(loud ? `\n!!! WARNING: ${warning}\n\n` : `warning: ${warning}\n`);
    }
    process.stdout.write(
      `initialised repository ${config.id} at ${url.split('?')[0] ?? url} (${config.encryption ? 'encrypted, AES-256-GCM' : 'UNENCRYPTED'}${lock ? `, object lock ${lock.mode.toLowerCase()} ${lock.days}d` : ''})\n`,
    );
  });
}
