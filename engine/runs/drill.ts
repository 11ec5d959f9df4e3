/**
 * A restore drill: restore every member of a backup into scratch databases (new, uniquely
 * named databases on the member's own server or on a `scratch` server), recompute the
 * fingerprints there and compare them with the ones recorded at capture, drop the scratch
 * databases (unless `keep`) and store the report next to the backup. The restore time is
 * the measured recovery time (RTO) of the application.
 */
import { randomBytes } from 'node:crypto';
import type { MemberResult, RunEvent, RunResult } from '../executor/index.ts';
import {
  diffFingerprints,
  renameDatabases,
  type FingerprintDifference,
} from '../functions/compare-fingerprints.ts';
import { parseConnectionUrl, type Fingerprint, type Workload } from '../model/index.ts';
import { redactUrl } from '../redact.ts';
import type { ManifestMember, Repository } from '../repository/index.ts';
import { UsageError } from '../errors.ts';
import { dropDatabases, existingDatabases, scratchRename } from './drill-scratch.ts';
import type { EngineSetup } from './engine-setup.ts';
import { memberDatabases, memberEngine } from './member-record.ts';
import { runRestore, type RestoreOutcome } from './restore.ts';

export interface DrillRequest {
  readonly backupId: string;
  /** Scratch server URL per member name; a member without one drills on its own server. */
  readonly scratch: Readonly<Record<string, string>>;
  /** Leave the scratch databases in place (for a look). */
  readonly keep: boolean;
  readonly parallelism: number;
  readonly passwordFor: (member: string) => string | undefined;
  /** Suffix of the scratch names; random by default. */
  readonly tag?: string;
  /** Test seam: runs between restore and verification (e.g. to alter a scratch copy). */
  readonly beforeVerify?: () => Promise<void>;
}

export interface DrillDatabase {
  readonly original: string;
  readonly scratch: string;
  readonly passed: boolean;
}

export interface DrillMember {
  readonly member: string;
  readonly engine: string;
  /** Scratch server, without credentials. */
  readonly server: string;
  readonly passed: boolean;
  readonly databases: readonly DrillDatabase[];
  readonly restore: { readonly status: string; readonly durationMs: number; readonly bytes: number };
  readonly verify: { readonly status: string; readonly durationMs: number; readonly tables: number };
  /** Tables whose fingerprint differs, named as captured (not by scratch name). */
  readonly differences: readonly FingerprintDifference[];
  /** Why the member failed, when it did. */
  readonly error?: string;
  /** `dropped`, `kept`, or why dropping failed. */
  readonly cleanup: string;
}

export interface DrillReport {
  readonly backupId: string;
  readonly app: string;
  readonly startedAt: string;
  readonly passed: boolean;
  /** Restore of all members (they run in parallel): the measured recovery time. */
  readonly restoreMs: number;
  readonly verifyMs: number;
  readonly totalMs: number;
  readonly bytesRestored: number;
  readonly members: readonly DrillMember[];
  /** A failure before any member ran (e.g. an unusable scratch URL). */
  readonly error?: string;
}

interface Scratch {
  readonly member: ManifestMember;
  readonly serverUrl: string;
  readonly rename: Record<string, string>;
  /**
   * The member's engine has no adapter (a blueprint-only engine such as Redis): Lifeboat
   * cannot name, create or drop databases on it, so the restore goes whole into a scratch
   * server the caller gave, under the captured names, and nothing is dropped afterwards.
   */
  readonly wholeServer: boolean;
}

function scratchFor(member: ManifestMember, request: DrillRequest, tag: string, setup: EngineSetup): Scratch {
  const engine = memberEngine(member);
  const wholeServer = setup.capabilitiesByEngine[engine] === undefined;
  const given = request.scratch[member.name];
  if (wholeServer && given === undefined)
    throw new UsageError(
      `member "${member.name}" (${engine}): Lifeboat has no adapter for ${engine}, so it cannot create scratch databases on the member's server; give --scratch ${member.name}=URL of a server the drill may overwrite`,
    );
  const url = given ?? member.details.endpoint;
  if (!url)
    throw new UsageError(
      `member "${member.name}": the backup records no endpoint; give --scratch ${member.name}=URL`,
    );
  const parsed = parseConnectionUrl(url, 'primary', [engine]);
  if (parsed.engine !== engine)
    throw new UsageError(`--scratch ${member.name}=…: not a ${engine} URL for a ${engine} member`);
  if (wholeServer && member.details.endpoint !== undefined) {
    const source = parseConnectionUrl(member.details.endpoint, 'primary', [engine]).endpoint;
    if (source.host === parsed.endpoint.host && source.port === parsed.endpoint.port)
      throw new UsageError(
        `--scratch ${member.name}=…: that is the member's own server; a drill of a ${engine} member overwrites the scratch server, so give another one`,
      );
  }
  const server = new URL(url);
  // The drill chooses the scratch database names; a database in the URL is not used.
  server.pathname = '/';
  const databases = memberDatabases(member);
  const rename = wholeServer
    ? Object.fromEntries(databases.map((db) => [db, db]))
    : scratchRename(databases, tag);
  return { member, serverUrl: server.toString(), rename, wholeServer };
}

function dropWorkload(scratch: Scratch, password: string | undefined): Workload {
  const parsed = parseConnectionUrl(scratch.serverUrl, 'primary', [memberEngine(scratch.member)]);
  const pw = parsed.password ?? password;
  return {
    name: scratch.member.name,
    engine: memberEngine(scratch.member),
    primary: parsed.endpoint,
    replicas: [],
    databases: [],
    credentials: {
      ...(parsed.username !== undefined && { username: parsed.username }),
      ...(pw !== undefined && { password: pw }),
    },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
}

/** The fingerprint a verify run computed for a member (output of its fingerprint phase). */
function computedFingerprint(result: MemberResult | undefined): Fingerprint | undefined {
  for (const outputs of Object.values(result?.outputs ?? {})) {
    const fp = outputs.fingerprint;
    if (fp !== null && typeof fp === 'object') return fp as Fingerprint;
  }
  return undefined;
}

/** Fingerprint keys are `database.…`: the differences that concern one database. */
const inDatabase = (d: FingerprintDifference, db: string): boolean => d.table.startsWith(`${db}.`);

function memberReport(
  scratch: Scratch,
  outcome: RestoreOutcome | undefined,
  error: unknown,
): Omit<DrillMember, 'cleanup'> {
  const name = scratch.member.name;
  const restored = outcome?.restore.members.find((m) => m.member === name);
  const verified = outcome?.verify?.members.find((m) => m.member === name);
  const expected = scratch.member.fingerprint;
  const actual = computedFingerprint(verified);
  // Compared under the captured names, so the report reads like the manifest.
  const back = Object.fromEntries(Object.entries(scratch.rename).map(([a, b]) => [b, a]));
  const differences = expected && actual ? diffFingerprints(expected, renameDatabases(actual, back)) : [];
  let reason: string | undefined;
  if (restored?.status !== 'succeeded')
    reason = `restore ${restored?.status ?? 'not run'}: ${restored?.error?.message ?? messageOf(error)}`;
  else if (!expected) reason = 'no fingerprint was recorded at capture';
  else if (!actual)
    reason = `verify ${verified?.status ?? 'not run'}: ${verified?.error?.message ?? 'no fingerprint computed'}`;
  else if (differences.length > 0) reason = `fingerprints differ in ${differences.length} table(s)`;
  else if (verified?.status !== 'succeeded')
    reason = `verify ${verified?.status}: ${verified?.error?.message ?? ''}`;
  const passed = reason === undefined;
  return {
    member: name,
    engine: memberEngine(scratch.member),
    server: redactUrl(scratch.serverUrl),
    passed,
    databases: Object.entries(scratch.rename).map(([original, db]) => ({
      original,
      scratch: db,
      passed:
        restored?.status === 'succeeded' &&
        actual !== undefined &&
        !differences.some((d) => inDatabase(d, original)) &&
        passed,
    })),
    restore: {
      status: restored?.status ?? 'not run',
      durationMs: restored?.durationMs ?? 0,
      bytes: restored?.bytes ?? 0,
    },
    verify: {
      status: verified?.status ?? 'not run',
      durationMs: verified?.durationMs ?? 0,
      tables: Object.keys(actual ?? {}).length,
    },
    differences,
    ...(reason !== undefined && { error: reason }),
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : '';
}

const runMs = (r: RunResult | undefined): number => r?.durationMs ?? 0;

/**
 * Run a drill and store its report in the repository (kind `drill`). A failed check is a
 * report with `passed: false`, not an exception; exceptions are for a backup that cannot
 * be read or a request that cannot be run at all.
 */
export async function runDrill(
  request: DrillRequest,
  setup: EngineSetup,
  repository: Repository,
  run: { signal: AbortSignal; onEvent: (event: RunEvent) => void },
): Promise<DrillReport> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const manifest = await repository.readManifest(request.backupId);
  for (const name of Object.keys(request.scratch)) {
    if (!manifest.members.some((m) => m.name === name))
      throw new UsageError(`--scratch ${name}=…: backup ${manifest.backupId} has no such member`);
  }
  const tag = request.tag ?? randomBytes(3).toString('hex');
  const scratches = manifest.members.map((m) => scratchFor(m, request, tag, setup));
  // Scratch databases are dropped at the end, so they must be the drill's own: only those
  // checked absent beforehand are dropped (a server that cannot be checked fails its restore).
  const checked = new Set<string>();
  for (const s of scratches) {
    if (s.wholeServer) continue;
    let taken: string[];
    try {
      taken = await existingDatabases(
        dropWorkload(s, request.passwordFor(s.member.name)),
        Object.values(s.rename),
      );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      continue;
    }
    if (taken.length > 0)
      throw new UsageError(
        `drill: scratch database(s) ${taken.join(', ')} already exist on ${redactUrl(s.serverUrl)}; refusing to use (and drop) them`,
      );
    checked.add(s.member.name);
  }
  let outcome: RestoreOutcome | undefined;
  let failure: unknown;
  const cleanup = new Map<string, string>();
  try {
    outcome = await runRestore(
      {
        backupId: manifest.backupId,
        only: [],
        targets: Object.fromEntries(scratches.map((s) => [s.member.name, s.serverUrl])),
        rename: Object.fromEntries(
          scratches.filter((s) => !s.wholeServer).map((s) => [s.member.name, s.rename]),
        ),
        force: false,
        verify: true,
        parallelism: request.parallelism,
        passwordFor: request.passwordFor,
        failures: 'return',
        ...(request.beforeVerify && { beforeVerify: request.beforeVerify }),
      },
      setup,
      repository,
      run,
    );
  } catch (error) {
    failure = error;
  } finally {
    for (const s of scratches) {
      if (request.keep) {
        cleanup.set(s.member.name, 'kept');
        continue;
      }
      if (s.wholeServer) {
        cleanup.set(
          s.member.name,
          'not dropped: no adapter for this engine; the scratch server holds the restore',
        );
        continue;
      }
      if (!checked.has(s.member.name)) {
        cleanup.set(s.member.name, 'not dropped: the server could not be checked beforehand');
        continue;
      }
      try {
        await dropDatabases(dropWorkload(s, request.passwordFor(s.member.name)), Object.values(s.rename));
        cleanup.set(s.member.name, 'dropped');
      } catch (error) {
        cleanup.set(s.member.name, `drop failed: ${messageOf(error)}`);
      }
    }
  }
  const members = scratches.map((s) => ({
    ...memberReport(s, outcome, failure),
    cleanup: cleanup.get(s.member.name) ?? 'kept',
  }));
  const report: DrillReport = {
    backupId: manifest.backupId,
    app: manifest.app,
    startedAt,
    passed: failure === undefined && members.every((m) => m.passed),
    restoreMs: runMs(outcome?.restore),
    verifyMs: runMs(outcome?.verify),
    totalMs: Date.now() - started,
    bytesRestored: members.reduce((n, m) => n + m.restore.bytes, 0),
    members,
    ...(failure !== undefined && { error: messageOf(failure) }),
  };
  await repository.putReport(manifest.backupId, 'drill', report);
  return report;
}
