/** `lifeboat prune`: apply GFS retention and delete the packs no remaining backup references. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { loadKubeConfig } from '../../kube/kube-client.ts';
import {
  collectVolumeSnapshots,
  DEFAULT_MIN_AGE_MS,
  volumeSnapshotApi,
} from '../../kube/volume-snapshots/index.ts';
import { DEFAULT_MAX_UNUSED } from '../../repository/prune.ts';
import { duration, maxUnused } from './_arguments.ts';
import { terminalProgress } from './_terminal-progress.ts';
import {
  humanBytes,
  count,
  openRepository,
  outputFormat,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';

interface PruneFlags extends RepositoryFlags {
  readonly keepLast?: number;
  readonly keepHourly?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
  readonly app?: string;
  readonly dryRun?: boolean;
  readonly maxUnused: number;
  readonly volumeSnapshots?: string;
  readonly volumeSnapshotsMinAge?: number;
  readonly output: 'table' | 'json';
}

export function registerPrune(program: Command): void {
  withRepositoryOptions(
    program
      .command('prune')
      .description(
        'forget backups the retention policy drops (per application), then delete packs no backup references',
      )
      .option('--keep-last <n>', 'keep the newest N backups', count)
      .option('--keep-hourly <n>', 'keep the newest backup of each of the last N hours', count)
      .option('--keep-daily <n>', 'keep the newest backup of each of the last N days', count)
      .option('--keep-weekly <n>', 'keep the newest backup of each of the last N ISO weeks', count)
      .option('--keep-monthly <n>', 'keep the newest backup of each of the last N months', count)
      .option('--keep-yearly <n>', 'keep the newest backup of each of the last N years', count)
      .option('--app <name>', 'only apply the policy to this application')
      .option('--dry-run', 'show what would be removed, delete nothing')
      .option(
        '--max-unused <percent>',
        'rewrite packs that remaining backups use only in part once more than this share of the stored bytes is unused ("unlimited": never)',
        maxUnused,
        DEFAULT_MAX_UNUSED,
      )
      .option(
        '--volume-snapshots <namespace>',
        "then delete this repository's VolumeSnapshots in <namespace> whose backups are pruned or never committed (freeze-snapshot; uses the kubeconfig)",
      )
      .option(
        '--volume-snapshots-min-age <duration>',
        'never delete a VolumeSnapshot younger than this (clock skew margin)',
        duration,
        DEFAULT_MIN_AGE_MS,
      )
      .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
  ).action(async (flags: PruneFlags) => {
    const policy = {
      ...(flags.keepLast !== undefined ? { keepLast: flags.keepLast } : {}),
      ...(flags.keepHourly !== undefined ? { keepHourly: flags.keepHourly } : {}),
      ...(flags.keepDaily !== undefined ? { keepDaily: flags.keepDaily } : {}),
      ...(flags.keepWeekly !== undefined ? { keepWeekly: flags.keepWeekly } : {}),
      ...(flags.keepMonthly !== undefined ? { keepMonthly: flags.keepMonthly } : {}),
      ...(flags.keepYearly !== undefined ? { keepYearly: flags.keepYearly } : {}),
    };
    if (Object.values(policy).every((n) => n === 0)) {
      throw new UsageError('give at least one --keep-* option greater than 0');
    }
    const repo = await openRepository(flags);
    const rewrite = { bytes: 0, total: 0 };
    const progress = terminalProgress('rewriting packs', () => (rewrite.total > 0 ? rewrite : undefined));
    const report = await repo
      .prune({
        policy,
        ...(flags.app !== undefined ? { app: flags.app } : {}),
        dryRun: flags.dryRun === true,
        maxUnused: flags.maxUnused,
        onRepack: (read, total) => {
          rewrite.bytes = read;
          rewrite.total = total;
        },
      })
      .finally(() => {
        progress.stop();
      });
    const snapshots =
      flags.volumeSnapshots === undefined
        ? undefined
        : await collectVolumeSnapshots(volumeSnapshotApi(loadKubeConfig()), repo, {
            namespace: flags.volumeSnapshots,
            dryRun: flags.dryRun === true,
            ...(flags.volumeSnapshotsMinAge !== undefined && { minAgeMs: flags.volumeSnapshotsMinAge }),
          });
    if (flags.output === 'json') {
      process.stdout.write(
        `${JSON.stringify(snapshots ? { ...report, volumeSnapshots: snapshots } : report, null, 2)}\n`,
      );
      return;
    }
    const verb = flags.dryRun ? 'would remove' : 'removed';
    for (const s of snapshots?.remove ?? [])
      process.stdout.write(
        `${verb}  VolumeSnapshot ${flags.volumeSnapshots ?? ''}/${s.name} (backup ${s.backupId})\n`,
      );
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
          ? `, ${report.packsRepacked} pack(s) ${flags.dryRun ? 'would be ' : ''}rewritten without their unused chunks (${humanBytes(report.bytesRepacked)} copied)`
          : '') +
        (report.bytesUnused > 0
          ? `, ${humanBytes(report.bytesUnused)} unused inside packs still in use${report.repackSkipped ? ` (not rewritten: ${report.repackSkipped})` : ''}`
          : '') +
        '\n',
    );
    for (const warning of report.repackWarnings) process.stderr.write(`warning: ${warning}\n`);
  });
}
