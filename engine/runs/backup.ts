/**
 * A backup run: plan the application's capture, execute it into a new backup of the
 * repository, and commit the manifest only if every member succeeded. A failed or
 * interrupted run aborts the backup: nothing half-written ever becomes visible.
 */
import type { ProbeResult } from '../../adapters/types.ts';
import { execute, type RunEvent, type RunResult } from '../executor/index.ts';
import type { Application } from '../model/index.ts';
import { plan, type PlanOptions } from '../planner/index.ts';
import type { Plan } from '../planner/types.ts';
import type { Manifest, Repository } from '../repository/index.ts';
import { VERSION } from '../version.ts';
import type { EngineSetup } from './engine-setup.ts';
import { manifestMember } from './member-record.ts';
import { probeForCut } from './probe-for-cut.ts';
import { runFailure } from './summarize-failure.ts';

export interface BackupRequest {
  readonly application: Application;
  readonly options: PlanOptions;
  readonly labels?: Readonly<Record<string, string>>;
  /** Identity of the cluster the application runs in, recorded in the manifest (multi-cluster repositories). */
  readonly cluster?: string;
  /** Storage class per PVC name of the application's workloads, recorded for cross-cluster restores. */
  readonly storageClasses?: Readonly<Record<string, string>>;
}

export interface BackupOutcome {
  readonly manifest: Manifest;
  readonly result: RunResult;
}

/** The plan a backup would run, without touching any database or the repository. */
export function planBackup(
  request: BackupRequest,
  setup: EngineSetup,
  backupId = 'dry-run',
  probes?: Readonly<Record<string, ProbeResult>>,
  repositoryId?: string,
): Plan {
  return plan({
    application: request.application,
    blueprintsByEngine: setup.blueprintsByEngine,
    blueprintsByName: setup.blueprintsByName,
    capabilitiesByEngine: setup.capabilitiesByEngine,
    registry: setup.registry,
    ...(probes && { probes }),
    backup: {
      id: backupId,
      startedAt: new Date().toISOString(),
      ...(repositoryId !== undefined && { repository: repositoryId }),
    },
    options: { ...request.options, action: 'backup' },
  });
}

export async function runBackup(
  request: BackupRequest,
  setup: EngineSetup,
  repository: Repository,
  run: { signal: AbortSignal; onEvent: (event: RunEvent) => void },
): Promise<BackupOutcome> {
  // Plan before opening the backup: a bad request costs nothing and leaves nothing.
  const first = planBackup(request, setup);
  // The cut's order depends on what each server allows (probed before any fence).
  const probes = first.cut ? await probeForCut(request.application, setup.registry, run.signal) : undefined;
  const writer = await repository.startBackup({
    app: request.application.name,
    ...(request.cluster !== undefined && { cluster: request.cluster }),
    ...(request.application.namespace !== undefined && { namespace: request.application.namespace }),
    labels: { ...request.labels, consistency: first.consistency },
  });
  try {
    const thePlan = planBackup(request, setup, writer.backupId, probes, repository.id);
    const result = await execute(thePlan, {
      registry: setup.registry,
      artifacts: { sink: (member) => writer.member(member.workload.name) },
      signal: run.signal,
      onEvent: run.onEvent,
    });
    if (result.status !== 'succeeded') throw runFailure('backup', result);
    const members = thePlan.members.map((m) => {
      const memberResult = result.members.find((r) => r.member === m.workload.name);
      if (!memberResult) throw new Error(`internal: no result for member ${m.workload.name}`);
      const entry = manifestMember(m.workload, memberResult, m.blueprint.name, request.storageClasses);
      // The write stall of the application's cut, recorded with every member it held.
      if (result.cut) entry.details.fenceWindowMs = String(Math.round(result.cut.fenceWindowMs));
      return entry;
    });
    const manifest = await writer.commit({
      members,
      tools: { lifeboat: VERSION, node: process.versions.node },
    });
    return { manifest, result };
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}
