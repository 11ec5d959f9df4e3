/**
 * A restore run: load members of a committed backup into their original location or the
 * targets given, then (unless told not to) verify each restored copy against the
 * fingerprints recorded at capture. Non-empty targets are refused unless `force`.
 */
import { UsageError } from '../errors.ts';
import { execute, type RunEvent, type RunResult } from '../executor/index.ts';
import { parseConnectionUrl, type Workload } from '../model/index.ts';
import { plan, type PlanOptions } from '../planner/index.ts';
import type { Manifest, ManifestMember, Repository } from '../repository/index.ts';
import type { EngineSetup } from './engine-setup.ts';
import { memberDatabases, memberEngine, recordedMembers } from './member-record.ts';
import { runFailure } from './summarize-failure.ts';

export interface RestoreRequest {
  readonly backupId: string;
  /** Members to restore; all when empty. */
  readonly only: readonly string[];
  /** Target URL per member name; a member without one goes back where it came from. */
  readonly targets: Readonly<Record<string, string>>;
  readonly force: boolean;
  readonly verify: boolean;
  readonly parallelism: number;
  /** A password kept out of argv, per member name. */
  readonly passwordFor: (member: string) => string | undefined;
  /**
   * Per member, original → target database names (e.g. a drill's scratch names). Applies
   * to members whose target URL names no database.
   */
  readonly rename?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * `return`: a failed restore or verification is returned in the outcome (a drill
   * reports it) instead of thrown. Default `throw`.
   */
  readonly failures?: 'throw' | 'return';
  /** Runs after a successful restore, before verification (a drill's test seam). */
  readonly beforeVerify?: () => Promise<void>;
}

export interface RestoreOutcome {
  readonly manifest: Manifest;
  readonly restore: RunResult;
  readonly verify?: RunResult;
  /** Original → restored database name, over all members. */
  readonly rename: Readonly<Record<string, string>>;
}

interface MemberTarget {
  readonly workload: Workload;
  readonly rename: Record<string, string>;
  readonly databases: string[];
}

function targetFor(member: ManifestMember, request: RestoreRequest): MemberTarget {
  const url = request.targets[member.name] ?? member.details.endpoint;
  if (!url)
    throw new UsageError(
      `member "${member.name}": the backup records no endpoint; give --to ${member.name}=URL`,
    );
  const engine = memberEngine(member);
  const parsed = parseConnectionUrl(url, 'primary', [engine]);
  if (parsed.engine !== engine) {
    throw new UsageError(`--to ${member.name}=…: a ${parsed.engine} URL for a ${engine} member`);
  }
  const captured = memberDatabases(member);
  const rename: Record<string, string> = { ...request.rename?.[member.name] };
  // A target URL naming a database renames the member's one captured database to it.
  if (request.targets[member.name] !== undefined && parsed.database !== undefined) {
    if (captured.length !== 1) {
      throw new UsageError(
        `--to ${member.name}=…: names database "${parsed.database}" but the member captured ${captured.length} databases (${captured.join(', ')})`,
      );
    }
    const [only] = captured;
    if (only !== undefined && only !== parsed.database) rename[only] = parsed.database;
  }
  const password = parsed.password ?? request.passwordFor(member.name);
  // The named database is the restore target, not one to connect to (it may not exist yet).
  const serverUrl = new URL(parsed.endpoint.url);
  serverUrl.pathname = '/';
  return {
    workload: {
      name: member.name,
      engine,
      primary: { ...parsed.endpoint, url: serverUrl.toString() },
      replicas: [],
      databases: [],
      credentials: {
        ...(parsed.username !== undefined && { username: parsed.username }),
        ...(password !== undefined && { password }),
      },
      annotations: {},
      pvcs: [],
      source: 'url',
    },
    rename,
    databases: captured.map((db) => rename[db] ?? db),
  };
}

function selectMembers(manifest: Manifest, only: readonly string[]): ManifestMember[] {
  const names = manifest.members.map((m) => m.name);
  for (const name of only) {
    if (!names.includes(name)) {
      throw new UsageError(
        `--only ${name}: backup ${manifest.backupId} has no such member (it has: ${names.join(', ')})`,
      );
    }
  }
  return manifest.members.filter((m) => only.length === 0 || only.includes(m.name));
}

export async function runRestore(
  request: RestoreRequest,
  setup: EngineSetup,
  repository: Repository,
  run: { signal: AbortSignal; onEvent: (event: RunEvent) => void },
): Promise<RestoreOutcome> {
  const manifest = await repository.readManifest(request.backupId);
  const members = selectMembers(manifest, request.only);
  const targets = members.map((m) => targetFor(m, request));
  const rename: Record<string, string> = {};
  for (const t of targets) Object.assign(rename, t.rename);
  const recorded = recordedMembers(manifest);
  const planFor = (action: 'restore' | 'verify', workloads: Workload[], options: PlanOptions) =>
    plan({
      application: { name: manifest.app, workloads },
      blueprintsByEngine: setup.blueprintsByEngine,
      blueprintsByName: setup.blueprintsByName,
      capabilitiesByEngine: setup.capabilitiesByEngine,
      registry: setup.registry,
      backup: { id: manifest.backupId, startedAt: manifest.startedAt, members: recorded },
      options: { ...options, action },
    });

  const restorePlan = planFor(
    'restore',
    targets.map((t) => t.workload),
    { rename, force: request.force, parallelism: request.parallelism },
  );
  const restore = await execute(restorePlan, {
    registry: setup.registry,
    artifacts: { source: (member) => repository.source(manifest.backupId, member.workload.name) },
    signal: run.signal,
    onEvent: run.onEvent,
  });
  const returnFailures = request.failures === 'return';
  if (restore.status !== 'succeeded') {
    if (returnFailures) return { manifest, restore, rename };
    throw runFailure('restore', restore);
  }
  if (!request.verify) return { manifest, restore, rename };
  await request.beforeVerify?.();

  const verifyPlan = planFor(
    'verify',
    targets.map((t) => ({ ...t.workload, databases: t.databases })),
    { rename, parallelism: request.parallelism },
  );
  const verify = await execute(verifyPlan, {
    registry: setup.registry,
    signal: run.signal,
    onEvent: run.onEvent,
  });
  if (verify.status !== 'succeeded' && !returnFailures)
    throw runFailure('verification after restore', verify);
  return { manifest, restore, verify, rename };
}
