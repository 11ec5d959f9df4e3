/** `lifeboat list`: committed backups in a repository. */
import type { Command } from 'commander';
import {
  humanBytes,
  openRepository,
  outputFormat,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';

interface ListFlags extends RepositoryFlags {
  readonly app?: string;
  readonly output: 'table' | 'json';
}

export function registerList(program: Command): void {
  withRepositoryOptions(
    program
      .command('list')
      .description('list committed backups (oldest first)')
      .option('--app <name>', 'only this application')
      .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
  ).action(async (flags: ListFlags) => {
    const repo = await openRepository(flags);
    const backups = await repo.list(flags.app);
    if (flags.output === 'json') {
      process.stdout.write(`${JSON.stringify(backups, null, 2)}\n`);
      return;
    }
    const rows = [
      ['BACKUP', 'APP', 'COMPLETED', 'MEMBERS', 'SIZE', 'RETAIN UNTIL'],
      ...backups.map((b) => [
        b.backupId,
        b.app,
        b.completedAt.replace(/\.\d+Z$/, 'Z'),
        b.members.join(','),
        humanBytes(b.bytes),
        b.retainUntil?.replace(/\.\d+Z$/, 'Z') ?? '-',
      ]),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    for (const row of rows)
      process.stdout.write(
        `${row
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      );
  });
}
