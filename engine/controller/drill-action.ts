/**
 * Drill CR → one in-process `runDrill`: the backup (named, or the application's latest)
 * restored into scratch databases on the servers of the namespace's discovered workloads
 * (credentials from discovery), fingerprints compared, scratch dropped, report stored in
 * the repository. A drill whose check fails ends `Failed` with `result: Failed`; the status
 * lists the differing tables (bounded, row counts only) so viewers without the repository's
 * Secret can see them.
 */
import { parseDrill, type DrillObject } from '../kube/api/v1alpha1/index.ts';
import { runDrill } from '../runs/index.ts';
import { ActionFailure } from './action-failure.ts';
import { drillTablesOf } from './drill-tables.ts';
import type { ActionKindHandler, ActionOutcome, ActionRun } from './action-reconciler.ts';
import { RESOURCES } from './resources.ts';
import { serverUrlOf, workloadsByName } from './restore-action.ts';

export function drillHandler(): ActionKindHandler<DrillObject> {
  return {
    kind: 'Drill',
    resource: RESOURCES.drills,
    parse: parseDrill,
    applicationOf: (o) => o.spec.application,
    reportsProgress: false,
    interruptedNote:
      "an interrupted drill may leave scratch databases (named <database>_drill_<tag>) behind on the members' servers.",
    async run(o: DrillObject, run: ActionRun): Promise<ActionOutcome> {
      const namespace = o.metadata.namespace ?? '';
      const repository = await run.openRepository();
      let backupId = o.spec.backupId;
      if (backupId === undefined) {
        const app = o.spec.application;
        if (app === undefined)
          throw new ActionFailure(
            'InvalidSpec',
            'a Drill needs spec.backupId or spec.application (to drill its latest backup)',
          );
        const backups = await repository.list(app);
        const latest = backups.at(-1);
        if (!latest)
          throw new ActionFailure('BackupNotFound', `no backup of application ${app} in the repository`);
        backupId = latest.backupId;
      }
      let manifest;
      try {
        manifest = await repository.readManifest(backupId);
      } catch (error) {
        throw new ActionFailure('BackupNotFound', (error as Error).message, { cause: error });
      }
      run.setApplication(manifest.app);
      const discovered = await workloadsByName(run, namespace);
      const missing = manifest.members.filter((m) => !discovered.has(m.name)).map((m) => m.name);
      if (missing.length > 0)
        throw new ActionFailure(
          'TargetNotFound',
          `no database workload named ${missing.join(', ')} in namespace ${namespace} to drill on (found: ${[...discovered.keys()].join(', ') || 'none'})`,
        );
      const scratch = Object.fromEntries(
        manifest.members.map((m) => {
          const w = discovered.get(m.name);
          return [m.name, w ? serverUrlOf(w) : ''];
        }),
      );
      let report;
      try {
        report = await runDrill(
          {
            backupId,
            scratch,
            keep: false,
            parallelism: 2,
            passwordFor: (member) => discovered.get(member)?.workload.credentials.password,
          },
          run.setup,
          repository,
          { signal: run.signal, onEvent: run.onEvent },
        );
      } catch (error) {
        throw new ActionFailure(
          'DrillFailed',
          `drill of backup ${backupId} could not run: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      const differences = report.members.reduce((n, m) => n + m.differences.length, 0);
      const recoverySeconds = Math.round(report.restoreMs) / 1000;
      const failures = report.members
        .filter((m) => !m.passed)
        .map((m) => `${m.member}: ${m.error ?? 'failed'}`);
      const message = report.passed
        ? `drill of backup ${backupId} passed: restored in ${recoverySeconds}s, every fingerprint matches`
        : `drill of backup ${backupId} failed: ${[report.error, ...failures].filter(Boolean).join('; ')}`;
      return {
        result: report.passed ? 'Succeeded' : 'Failed',
        reason: report.passed ? 'DrillPassed' : 'DrillFailed',
        message,
        status: {
          result: report.passed ? 'Passed' : 'Failed',
          recoverySeconds,
          differences,
          ...drillTablesOf(report),
        },
        bytes: report.bytesRestored,
        backupId,
        members: report.members.map((m) => ({
          name: m.member,
          engine: m.engine,
          databases: m.databases.map((d) => d.original),
          bytes: m.restore.bytes,
          status: m.passed ? 'succeeded' : 'failed',
        })),
        drill: { passed: report.passed, recoverySeconds, differences },
      };
    },
  };
}
