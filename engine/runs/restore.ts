/**
 * A restore run: load members of a committed backup into their original location or the
 * targets given, then (unless told not to) verify each restored copy against the
 * fingerprints recorded at capture. Non-empty targets are refused unless `force`.
 *
 * A physical capture (`replica-snapshot`: a copy of a server's data directory) restores
 * into a directory, named by a `file:///path` target: the blueprint unpacks it there
 * (`options.dataDir` in its template context) and no server runs on it yet, so it is not verified here.
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../errors.ts';
import { execute, type RunEvent, type RunResult } from '../executor/index.ts';
import { parseConnectionUrl, type Workload } from '../model/index.ts';
import { plan, type PlanOptions } from '../planner/index.ts';
import type { Manifest, ManifestMember, Repository } from '../repository/index.ts';
import type { EngineSetup } from './engine-setup.ts';
import { memberDatabases, memberEngine, recordedMembers } from './member-record.ts';
import { refuseStreamMember } from './stream-member.ts';
import { runFailure } from './summarize-failure.ts';

export interface RestoreRequest {
  readonly backupId: string;
  /** Members to restore; all when empty. */
  readonly only: readonly string[];
  /**
   * Target URL per member name; a member without one goes back where it came from. A
   * physical capture needs a `file:///path` target: the data directory to restore into.
   */
  readonly targets: Readonly<Record<string, string>>;
  /** Also recreate the captured accounts and grants (MySQL). @default false */
  readonly withUsers?: boolean;
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
  /**
   * Members restored into a data directory (physical captures): the directory and what
   * is left to do to run a server on it. Not verified: no server runs there yet.
   */
  readonly dataDirs: readonly DataDirRestore[];
}

export interface DataDirRestore {
  readonly member: string;
  readonly dataDir: string;
  readonly nextSteps: readonly string[];
}

interface MemberTarget {
  readonly workload: Workload;
  readonly rename: Record<string, string>;
  readonly databases: string[];
  /** Set for a physical capture restored into a directory. */
  readonly dataDir?: string;
}

/** Strategies whose capture is a copy of a data directory, restored into one. */
const PHYSICAL_STRATEGIES: readonly string[] = ['replica-snapshot'];

/** The directory of a `file:` target, or undefined for a server URL. */
function dataDirOf(member: string, url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    throw new UsageError(`--to ${member}=${url}: not a file URL of a local directory (file:///path)`);
  }
  if (!isAbsolute(path)) throw new UsageError(`--to ${member}=${url}: give an absolute path (file:///path)`);
  return path;
}

/** A physical member's target: a data directory, not a server. */
function dataDirTarget(member: ManifestMember, request: RestoreRequest): MemberTarget {
  const strategy = member.details.strategy ?? 'logical';
  const given = request.targets[member.name];
  const dataDir = given === undefined ? undefined : dataDirOf(member.name, given);
  if (dataDir === undefined) {
    throw new UsageError(
      `member "${member.name}" is a physical copy of a data directory (${strategy}): restore it into an empty directory with --to ${member.name}=file:///path/to/datadir, then start a server on it`,
      { workload: member.name },
    );
  }
  const url = pathToFileURL(dataDir).toString();
  return {
    workload: {
      name: member.name,
      engine: memberEngine(member),
      primary: { host: 'localhost', port: 0, role: 'unknown', url },
      replicas: [],
      databases: [],
      credentials: {},
      annotations: {},
      pvcs: [],
      source: 'url',
    },
    rename: {},
    databases: memberDatabases(member),
    dataDir,
  };
}

function targetFor(member: ManifestMember, request: RestoreRequest): MemberTarget {
  refuseStreamMember(member);
  if (member.details.strategy === 'freeze-snapshot') {
    // Its data is in VolumeSnapshots, not in the repository: no logical load can restore it.
    throw new UsageError(
      `member "${member.name}" is a freeze-snapshot capture (VolumeSnapshots ${member.details.volumeSnapshots ?? '?'} in namespace ${member.details.volumeSnapshotNamespace ?? '?'}): restore it as PVCs from those snapshots (engine/kube/volume-snapshots restoreVolumes), then write its backup label and WAL into the volume before PostgreSQL starts; lifeboat restore does not do this yet`,
      { workload: member.name },
    );
  }
  if (PHYSICAL_STRATEGIES.includes(member.details.strategy ?? 'logical'))
    return dataDirTarget(member, request);
  const url = request.targets[member.name] ?? member.details.endpoint;
  if (!url)
    throw new UsageError(
      `member "${member.name}": the backup records no endpoint; give --to ${member.name}=URL`,
    );
  if (dataDirOf(member.name, url) !== undefined) {
    throw new UsageError(
      `--to ${member.name}=${url}: a data directory receives only a physical capture; member "${member.name}" is ${member.details.strategy ?? 'logical'}: give a database URL`,
    );
  }
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

  const dataDirs: Record<string, string> = {};
  for (const t of targets) if (t.dataDir !== undefined) dataDirs[t.workload.name] = t.dataDir;
  const restorePlan = planFor(
    'restore',
    targets.map((t) => t.workload),
    {
      rename,
      force: request.force,
      parallelism: request.parallelism,
      withUsers: request.withUsers ?? false,
      dataDirs,
    },
  );
  const restore = await execute(restorePlan, {
    registry: setup.registry,
    artifacts: { source: (member) => repository.source(manifest.backupId, member.workload.name) },
    signal: run.signal,
    onEvent: run.onEvent,
  });
  const restoredDirs = dataDirRestores(restore, dataDirs);
  const returnFailures = request.failures === 'return';
  if (restore.status !== 'succeeded') {
    if (returnFailures) return { manifest, restore, rename, dataDirs: restoredDirs };
    throw runFailure('restore', restore);
  }
  // A restored data directory has no server on it yet: nothing to verify there.
  const servers = targets.filter((t) => t.dataDir === undefined);
  if (!request.verify || servers.length === 0) return { manifest, restore, rename, dataDirs: restoredDirs };
  await request.beforeVerify?.();

  const verifyPlan = planFor(
    'verify',
    servers.map((t) => ({ ...t.workload, databases: t.databases })),
    { rename, parallelism: request.parallelism },
  );
  const verify = await execute(verifyPlan, {
    registry: setup.registry,
    signal: run.signal,
    onEvent: run.onEvent,
  });
  if (verify.status !== 'succeeded' && !returnFailures)
    throw runFailure('verification after restore', verify);
  return { manifest, restore, verify, rename, dataDirs: restoredDirs };
}

/** The data directories the restore filled, with the next steps their phase reported. */
function dataDirRestores(restore: RunResult, dataDirs: Readonly<Record<string, string>>): DataDirRestore[] {
  const out: DataDirRestore[] = [];
  for (const m of restore.members) {
    const dataDir = dataDirs[m.member];
    if (dataDir === undefined || m.status !== 'succeeded') continue;
    const steps = Object.values(m.outputs)
      .map((o) => o.nextSteps)
      .find((v): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string'));
    out.push({ member: m.member, dataDir, nextSteps: steps ?? [] });
  }
  return out;
}
