/** `lifeboat list`: committed backups in a repository. */
import type { Command } from 'commander';
import type { StoredReport } from '../../repository/index.ts';
import { backupDetails, formatBackupDetails, table } from './_backup-details.ts';
import {
  humanBytes,
  openRepository,
  outputFormat,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';

/** The newest drill report of a backup, in brief; null when it was never drilled. */
export interface LastDrill {
  readonly at: string;
  readonly passed: boolean;
  readonly restoreMs: number;
}

function lastDrill(reports: readonly StoredReport[]): LastDrill | null {
  const last = reports.at(-1);
  if (!last) return null;
  const r = last.report as { passed?: unknown; restoreMs?: unknown };
  return {
    at: last.storedAt,
    passed: r.passed === true,
    restoreMs: typeof r.restoreMs === 'number' ? r.restoreMs : 0,
  };
}

interface ListFlags extends RepositoryFlags {
  readonly app?: string;
  readonly cluster?: string;
  readonly output: 'table' | 'json';
}

export function registerList(program: Command): void {
  withRepositoryOptions(
    program
      .command('list')
      .description('list committed backups (oldest first), or show one backup in detail')
      .argument('[backup-id]', 'show this backup: members, strategy, guarantee, markers, fingerprints')
      .option('--app <name>', 'only this application')
      .option('--cluster <name>', 'only backups taken in this cluster (repositories shared by clusters)')
      .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
  ).action(async (backupId: string | undefined, flags: ListFlags) => {
    const repo = await openRepository(flags);
    if (backupId !== undefined) {
      const manifest = await repo.readManifest(backupId);
      const drill = lastDrill(await repo.readReports(backupId, 'drill'));
      process.stdout.write(
        flags.output === 'json'
          ? `${JSON.stringify({ ...backupDetails(manifest), lastDrill: drill }, null, 2)}\n`
          : `${formatBackupDetails(manifest)}\n\nlast drill: ${drill ? `${drill.passed ? 'passed' : 'FAILED'} ${drill.at}` : 'never'}\n`,
      );
      return;
    }
    const listed = (await repo.list(flags.app)).filter(
      (b) => flags.cluster === undefined || b.cluster === flags.cluster,
    );
    const backups = await Promise.all(
      listed.map(async (b) => ({
        ...b,
        cluster: b.cluster ?? null,
        lastDrill: lastDrill(await repo.readReports(b.backupId, 'drill')),
      })),
    );
    if (flags.output === 'json') {
      process.stdout.write(`${JSON.stringify(backups, null, 2)}\n`);
      return;
    }
    // One cluster (the usual case) needs no column; a shared repository shows where each came from.
    const clusters = new Set(backups.map((b) => b.cluster));
    const withCluster = clusters.size > 1;
    const rows = [
      [
        'BACKUP',
        ...(withCluster ? ['CLUSTER'] : []),
        'APP',
        'COMPLETED',
        'MEMBERS',
        'SIZE',
        'RETAIN UNTIL',
        'LAST DRILL',
      ],
      ...backups.map((b) => [
        b.backupId,
        ...(withCluster ? [b.cluster ?? '-'] : []),
        b.app,
        b.completedAt.replace(/\.\d+Z$/, 'Z'),
        b.members.join(','),
        humanBytes(b.bytes),
        b.retainUntil?.replace(/\.\d+Z$/, 'Z') ?? '-',
        b.lastDrill
          ? `${b.lastDrill.passed ? 'passed' : 'FAILED'} ${b.lastDrill.at.replace(/\.\d+Z$/, 'Z')}`
          : '-',
      ]),
    ];
    process.stdout.write(`${table(rows)}\n`);
  });
}
