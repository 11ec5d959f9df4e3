/** `lifeboat drill`: restore a backup into scratch databases, check it, drop them, report. */
import type { Command } from 'commander';
import { loadEngineSetup, passwordFromEnvironment, runDrill, type DrillReport } from '../../runs/index.ts';
import {
  humanBytes,
  openRepository,
  outputFormat,
  withRepositoryOptions,
  type RepositoryFlags,
} from './_repository-options.ts';
import { collect, positive, urlsByMember } from './_arguments.ts';
import { openRunDisplay } from './_run-display.ts';

interface DrillFlags extends RepositoryFlags {
  readonly blueprint: string[];
  readonly scratch: string[];
  readonly keep?: boolean;
  readonly parallel: number;
  readonly output: 'table' | 'json';
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

/** The human-readable report: one line per database, then differences, then totals. */
export function renderDrillReport(report: DrillReport): string {
  const lines = [
    `drill of backup ${report.backupId} (app ${report.app}): ${report.passed ? 'PASSED' : 'FAILED'}`,
  ];
  if (report.error !== undefined) lines.push(`  error: ${report.error}`);
  for (const m of report.members) {
    lines.push(
      `  ${m.passed ? 'PASS' : 'FAIL'}  ${m.member} (${m.engine}) on ${m.server}: restore ${seconds(m.restore.durationMs)}, ${humanBytes(m.restore.bytes)}; verify ${seconds(m.verify.durationMs)}, ${m.verify.tables} tables; scratch ${m.cleanup}`,
    );
    for (const db of m.databases)
      lines.push(`        ${db.passed ? 'pass' : 'FAIL'}  ${db.original} → ${db.scratch}`);
    for (const d of m.differences) {
      const e = d.expected ? `${d.expected.rows} rows ${d.expected.hash.slice(0, 12)}` : 'absent';
      const a = d.actual ? `${d.actual.rows} rows ${d.actual.hash.slice(0, 12)}` : 'absent';
      lines.push(`        differs  ${d.table}: expected ${e}, got ${a}`);
    }
    if (m.error !== undefined && m.differences.length === 0) lines.push(`        ${m.error}`);
  }
  lines.push(
    `restore (RTO) ${seconds(report.restoreMs)}, verify ${seconds(report.verifyMs)}, total ${seconds(report.totalMs)}, ${humanBytes(report.bytesRestored)} restored`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerDrill(program: Command): void {
  withRepositoryOptions(
    program
      .command('drill')
      .description('restore a backup into scratch databases, compare fingerprints, drop them and report')
      .argument('<backup-id>', 'backup to drill (see lifeboat list)')
      .option(
        '--scratch <name=url>',
        'drill member NAME on the server at URL instead of its own server (repeatable)',
        collect,
        [],
      )
      .option('--keep', 'keep the scratch databases')
      .option('-j, --parallel <n>', 'parallel streams per member', positive, 2)
      .option(
        '--blueprint <file>',
        'use this blueprint for its engine (repeatable; needed for engines without an adapter)',
        collect,
        [],
      )
      .option('-o, --output <format>', 'table or json', outputFormat, 'table'),
  ).action(async (backupId: string, flags: DrillFlags) => {
    const scratch = urlsByMember('--scratch', flags.scratch);
    const setup = await loadEngineSetup(flags.blueprint);
    const repository = await openRepository(flags);
    // Progress events would mix with the JSON report: -o json prints only the report.
    const display = openRunDisplay(flags.output === 'json' ? 'table' : flags.output);
    try {
      const report = await runDrill(
        {
          backupId,
          scratch,
          keep: flags.keep ?? false,
          parallelism: flags.parallel,
          passwordFor: passwordFromEnvironment(),
        },
        setup,
        repository,
        display,
      );
      process.stdout.write(
        flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderDrillReport(report),
      );
      if (!report.passed) process.exitCode = 1;
    } finally {
      display.close();
    }
  });
}
