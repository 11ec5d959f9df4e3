/** `lifeboat prune`: apply GFS retention and delete the packs no remaining backup references. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { loadKubeConfig } from '../../kube/kube-client.ts';
import {
  collectVolumeSnapshots,
  DEFAULT_MIN_AGE_MS,
  volumeSnapshotApi,
} from '../../kube/volume-snapshots/index.ts';
import { duration } from './_arguments.ts';
import { printPruneReport, pruneWithProgress, withCollectOptions } from './_prune-run.ts';
import {
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
    withCollectOptions(
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
    ),
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
    const report = await pruneWithProgress(repo, {
      policy,
      ...(flags.app !== undefined ? { app: flags.app } : {}),
      dryRun: flags.dryRun === true,
      maxUnused: flags.maxUnused,
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
    for (const s of snapshots?.remove ?? [])
      process.stdout.write(
        `${flags.dryRun ? 'would remove' : 'removed'}  VolumeSnapshot ${flags.volumeSnapshots ?? ''}/${s.name} (backup ${s.backupId})\n`,
      );
    printPruneReport(report, flags.dryRun === true);
  });
}
