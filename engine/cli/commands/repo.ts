/** `lifeboat repo init` (create a backup repository) and `repo repair-index`. */
import { InvalidArgumentError, type Command } from 'commander';
import { openStore, Repository } from '../../repository/index.ts';
import {
  count,
  keySecret,
  openRepository,
  outputFormat,
  repositoryUrl,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';

interface RepairFlags extends RepositoryFlags {
  readonly dryRun?: boolean;
  readonly output: 'table' | 'json';
}

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
  withRepositoryOptions(
    repo
      .command('repair-index')
      .description(
        "rebuild the chunk index of backups whose index is missing or damaged, from the packs' headers; exit 1 if any cannot be rebuilt",
      )
      .option('--dry-run', 'say what would be rebuilt, write nothing')
      .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
  ).action(async (flags: RepairFlags) => {
    const repository = await openRepository(flags);
    const report = await repository.repairIndexes({ dryRun: flags.dryRun === true });
    const failed = report.incomplete.length + report.locked.length > 0;
    if (failed) process.exitCode = 1;
    if (flags.output === 'json') {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    if (report.broken.length === 0) {
      process.stdout.write('ok: every backup has a readable chunk index\n');
      return;
    }
    const verb = flags.dryRun ? 'would rebuild' : 'rebuilt';
    for (const id of report.repaired) process.stdout.write(`${verb}  index of ${id}\n`);
    for (const b of report.incomplete)
      process.stdout.write(
        `MISSING  ${b.backupId}: ${b.missingChunks} chunk(s) are in no pack (first: ${b.firstMissing}); index not rebuilt\n`,
      );
    for (const id of report.locked)
      process.stdout.write(`LOCKED   ${id}: its damaged index is under Object Lock and cannot be replaced\n`);
    for (const pack of report.unreadablePacks)
      process.stdout.write(
        `warning: pack ${pack} has an unreadable header; its chunks could not be located\n`,
      );
    process.stdout.write(
      `${failed ? 'FAILED' : 'ok'}: ${report.broken.length} broken index(es), ${report.repaired.length} ${verb}, ${report.packsRead} pack header(s) read\n`,
    );
  });
}
