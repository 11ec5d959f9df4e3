/** What `lifeboat prune` and `lifeboat forget` share: running prune with progress, and its summary. */
import { Option, type Command } from 'commander';
import type { PruneOptions, PruneReport, Repository } from '../../repository/index.ts';
import { DEFAULT_MAX_UNUSED } from '../../repository/prune.ts';
import { maxUnused } from './_arguments.ts';
import { humanBytes } from './_repository-options.ts';
import { terminalProgress } from './_terminal-progress.ts';

/** The options of every command that collects garbage: `--dry-run`, `--max-unused`. */
export function withCollectOptions(command: Command): Command {
  return command
    .option('--dry-run', 'show what would be removed, delete nothing')
    .addOption(
      new Option(
        '--max-unused <percent>',
        'rewrite packs that remaining backups use only in part once more than this share of the stored bytes is unused ("unlimited": never)',
      )
        .argParser(maxUnused)
        .default(DEFAULT_MAX_UNUSED, `${DEFAULT_MAX_UNUSED * 100}%`),
    );
}

/** Prune with the pack rewrite's progress on a terminal. */
export async function pruneWithProgress(
  repo: Repository,
  options: Omit<PruneOptions, 'onRepack'>,
): Promise<PruneReport> {
  const rewrite = { bytes: 0, total: 0 };
  const progress = terminalProgress('rewriting packs', () => (rewrite.total > 0 ? rewrite : undefined));
  try {
    return await repo.prune({
      ...options,
      onRepack: (read, total) => {
        rewrite.bytes = read;
        rewrite.total = total;
      },
    });
  } finally {
    progress.stop();
  }
}

/** The report as lines: removed and retained backups, then one summary line; warnings on stderr. */
export function printPruneReport(report: PruneReport, dryRun: boolean): void {
  const verb = dryRun ? 'would remove' : 'removed';
  for (const id of report.removed) process.stdout.write(`${verb}  ${id}\n`);
  for (const id of report.retained)
    process.stdout.write(`retained ${id} (object lock / retention date not reached)\n`);
  process.stdout.write(
    `${report.kept.length} kept, ${report.removed.length} ${verb}, ${report.packsDeleted} pack(s) deleted (${humanBytes(report.bytesFreed)})` +
      (report.packsDeferred > 0
        ? `, ${report.packsDeferred} unreferenced pack(s) left${report.deferredReason ? ` (${report.deferredReason})` : ''}`
        : '') +
      (report.packsLocked > 0 ? `, ${report.packsLocked} still locked` : '') +
      (report.packsRepacked > 0
        ? `, ${report.packsRepacked} pack(s) ${dryRun ? 'would be ' : ''}rewritten without their unused chunks (${humanBytes(report.bytesRepacked)} copied)`
        : '') +
      (report.bytesUnused > 0
        ? `, ${humanBytes(report.bytesUnused)} unused inside packs still in use${report.repackSkipped ? ` (not rewritten: ${report.repackSkipped})` : ''}`
        : '') +
      '\n',
  );
  for (const warning of report.repackWarnings) process.stderr.write(`warning: ${warning}\n`);
}
