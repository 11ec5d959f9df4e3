import type { AdapterCapabilities, ProbeResult, Strategy } from '../../adapters/types.ts';
import type { BackupInfo, TemplateOptions } from '../blueprint/context.ts';
import { parseDuration } from '../blueprint/duration.ts';
import type { LoadedBlueprint } from '../blueprint/load.ts';
import type { ActionName, Phase } from '../blueprint/schema.ts';
import { UsageError } from '../errors.ts';
import type { FunctionRegistry } from '../functions/types.ts';
import {
  isAdapterEngine,
  type Application,
  type Engine,
  type Fingerprint,
  type Marker,
  type Workload,
} from '../model/index.ts';
import { deepFreeze } from './_deep-freeze.ts';
import {
  BLUEPRINT_ONLY_CAPABILITIES,
  noBlueprintForEngine,
  requireGenericFunctions,
} from './blueprint-only.ts';
import { chooseStrategy } from './choose-strategy.ts';
import { planCut } from './plan-cut.ts';
import type { Consistency, ConsistencyGroup, MemberPlan, Plan, PlanStep } from './types.ts';

export const BLUEPRINT_ANNOTATION = 'lifeboat.dev/blueprint';

/** Options of a plan; all optional. */
export interface PlanOptions {
  /** @default 'backup' */
  readonly action?: ActionName;
  /** Capture strategy for every member (backup only); overrides annotations. */
  readonly strategy?: Strategy;
  /** `app`: all members form one consistent cut; `member`: each alone. @default 'member' */
  readonly consistency?: Consistency;
  /** Parallel streams per member (dump/load). @default 1 */
  readonly parallelism?: number;
  /** Members run at once. @default 4 */
  readonly concurrency?: number;
  /** Restore: overwrite non-empty targets. @default false */
  readonly force?: boolean;
  /** Restore: original database → target database. @default {} */
  readonly rename?: Readonly<Record<string, string>>;
  /** Restore: also recreate the captured accounts and grants. @default false */
  readonly withUsers?: boolean;
  /** Restore: member name → data directory for its physical capture. @default {} */
  readonly dataDirs?: Readonly<Record<string, string>>;
  /** Longest a write freeze may hold. @default '30s' */
  readonly freezeDeadline?: string;
  /** Free-form parameters for custom blueprints (`options.params.x`). @default {} */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Timeout of a deferPhase that declares none, so a hung cleanup cannot block forever. @default '2m' */
  readonly deferTimeout?: string;
}

/** What a backup recorded per member; restore and verify plan from it. */
export interface RecordedMember {
  readonly strategy: Strategy;
  readonly fingerprint?: Fingerprint;
  readonly markers?: readonly Marker[];
}

export interface PlanInput {
  readonly application: Application;
  /** The blueprint per engine (the built-ins, or the user's). */
  readonly blueprintsByEngine: Partial<Record<Engine, LoadedBlueprint>>;
  /** Blueprints selectable by name through the `lifeboat.dev/blueprint` annotation. */
  readonly blueprintsByName?: Readonly<Record<string, LoadedBlueprint>>;
  readonly capabilitiesByEngine: Partial<Record<Engine, AdapterCapabilities>>;
  /** Probe results per member name, when the caller probed first. */
  readonly probes?: Readonly<Record<string, ProbeResult>>;
  /** When given, every phase's function must exist in it. */
  readonly registry?: FunctionRegistry;
  /** The backup being taken (backup) or restored/verified (with what it recorded). */
  readonly backup: {
    readonly id: string;
    readonly startedAt: string;
    /** Id of the repository the backup goes to (labels what the backup leaves outside it). */
    readonly repository?: string;
    readonly members?: Readonly<Record<string, RecordedMember>>;
  };
  readonly options?: PlanOptions;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${n}`);
  return n;
}

function toStep(phase: Phase, defaultTimeoutMs?: number): PlanStep {
  const timeoutMs = phase.timeout === undefined ? defaultTimeoutMs : parseDuration(phase.timeout);
  return {
    name: phase.name,
    func: phase.func,
    ...(phase.description !== undefined && { description: phase.description }),
    args: phase.args ?? {},
    ...(phase.if !== undefined && { if: phase.if }),
    ...(timeoutMs !== undefined && { timeoutMs }),
    retries: phase.retries ?? 0,
  };
}

/**
 * Resolve an application, blueprints, adapter capabilities, probes and options into an
 * immutable Plan. Pure: no I/O. Throws UsageError naming the workload for anything that
 * cannot run (no adapter, no blueprint or action, impossible strategy, missing replica).
 */
export function plan(input: PlanInput): Plan {
  const options = input.options ?? {};
  const action = options.action ?? 'backup';
  const consistency = options.consistency ?? 'member';
  const { application } = input;
  if (application.workloads.length === 0) {
    throw new UsageError(`application "${application.name}" has no workloads to ${action}`);
  }
  const names = new Set<string>();
  for (const w of application.workloads) {
    if (names.has(w.name)) {
      throw new UsageError(
        `member name "${w.name}" is used twice in application "${application.name}"; name each --db`,
        {
          workload: w.name,
        },
      );
    }
    names.add(w.name);
  }
  if (options.strategy && action !== 'backup') {
    throw new UsageError(
      `--strategy applies to backups only; ${action} uses the strategy the backup recorded`,
    );
  }
  const freezeDeadline = options.freezeDeadline ?? '30s';
  parseDurationOrUsage(freezeDeadline, 'freeze deadline');
  const deferTimeoutMs = parseDurationOrUsage(options.deferTimeout ?? '2m', 'defer timeout');
  const templateOptions: TemplateOptions = {
    parallelism: positiveInt(options.parallelism, 1, 'parallelism'),
    force: options.force ?? false,
    rename: { ...(options.rename ?? {}) },
    withUsers: options.withUsers ?? false,
    dataDirs: { ...(options.dataDirs ?? {}) },
    freezeDeadline,
    params: { ...(options.params ?? {}) },
  };

  const members = application.workloads.map((workload): MemberPlan => {
    const who = `workload "${workload.name}" (${workload.engine})`;
    const adapterCapabilities = input.capabilitiesByEngine[workload.engine];
    if (!adapterCapabilities && isAdapterEngine(workload.engine)) {
      throw new UsageError(`${who}: no adapter for engine ${workload.engine} is registered`, {
        workload: workload.name,
      });
    }
    const capabilities = adapterCapabilities ?? BLUEPRINT_ONLY_CAPABILITIES;
    if (!adapterCapabilities && !input.blueprintsByEngine[workload.engine])
      throw noBlueprintForEngine(workload);
    const loaded = pickBlueprint(workload, input);
    const blueprintAction = loaded.blueprint.spec.actions[action];
    if (!blueprintAction) {
      throw new UsageError(`${who}: blueprint "${loaded.blueprint.metadata.name}" has no ${action} action`, {
        workload: workload.name,
        blueprint: loaded.blueprint.metadata.name,
      });
    }
    const recorded = input.backup.members?.[workload.name];
    let chosen;
    if (action === 'backup' && consistency === 'app') {
      // The cut pins snapshots on the primaries and dumps from them: logical by construction.
      if (options.strategy && options.strategy !== 'logical') {
        throw new UsageError(
          `${who}: an application-consistent backup dumps from snapshots pinned on the primaries; strategy ${options.strategy} cannot be combined with it`,
          { workload: workload.name },
        );
      }
      chosen = {
        strategy: 'logical' as const,
        decision: {
          source: options.strategy ? ('requested' as const) : ('default' as const),
          reason: 'application-consistent cut: logical dump from a snapshot pinned during the cut',
        },
      };
    } else if (action === 'backup') {
      chosen = chooseStrategy({
        workload,
        capabilities,
        ...(options.strategy && { requested: options.strategy }),
        ...(input.probes?.[workload.name] && { probe: input.probes[workload.name] }),
      });
    } else {
      chosen = recorded
        ? {
            strategy: recorded.strategy,
            decision: { source: 'recorded' as const, reason: `the backup used ${recorded.strategy}` },
          }
        : {
            strategy: 'logical' as const,
            decision: { source: 'default' as const, reason: 'the backup recorded no strategy: logical' },
          };
    }
    if (!adapterCapabilities && action === 'backup' && chosen.decision.source === 'default') {
      const reason = `no adapter for ${workload.engine}: blueprint "${loaded.blueprint.metadata.name}" decides how to capture`;
      chosen = { ...chosen, decision: { ...chosen.decision, reason } };
    }
    const steps = blueprintAction.phases.map((p) => toStep(p));
    const defer = blueprintAction.deferPhase && toStep(blueprintAction.deferPhase, deferTimeoutMs);
    if (!adapterCapabilities)
      requireGenericFunctions(
        workload,
        loaded.blueprint.metadata.name,
        defer ? [...steps, defer] : steps,
        input.registry,
      );
    if (input.registry) {
      for (const step of defer ? [...steps, defer] : steps) {
        if (!input.registry.get(step.func)) {
          throw new UsageError(
            `${who}: phase "${step.name}" of blueprint "${loaded.blueprint.metadata.name}" calls unknown function ${step.func}`,
            { workload: workload.name, phase: step.name, blueprint: loaded.blueprint.metadata.name },
          );
        }
      }
    }
    const backup: BackupInfo = {
      id: input.backup.id,
      startedAt: input.backup.startedAt,
      strategy: chosen.strategy,
      ...(input.backup.repository !== undefined && { repository: input.backup.repository }),
      ...(recorded?.fingerprint && { fingerprint: recorded.fingerprint }),
      ...(recorded?.markers && { markers: recorded.markers }),
    };
    return {
      workload,
      strategy: chosen.strategy,
      decision: chosen.decision,
      blueprint: { name: loaded.blueprint.metadata.name, file: loaded.file },
      group: consistency === 'app' ? application.name : workload.name,
      backup,
      steps,
      ...(defer && { defer }),
    };
  });

  // What each member's server allows: the adapter's capabilities, narrowed by its probe
  // (e.g. FerretDB speaks the MongoDB protocol but has no fsyncLock).
  const capabilitiesOf = (w: Workload): AdapterCapabilities => {
    const byEngine: Partial<Record<string, AdapterCapabilities>> = input.capabilitiesByEngine;
    const base = byEngine[w.engine] ?? { strategies: [], fence: false, pinSnapshot: false };
    const allows = input.probes?.[w.name]?.allows;
    return {
      ...base,
      fence: base.fence && allows?.fence !== false,
      pinSnapshot: base.pinSnapshot && allows?.pinSnapshot !== false,
    };
  };
  const cut =
    consistency === 'app' && action === 'backup' ? planCut(application.workloads, capabilitiesOf) : undefined;
  for (const entry of cut?.members ?? []) {
    const workload = application.workloads.find((w) => w.name === entry.name);
    if (!workload || !input.registry) continue;
    const ops = [...(entry.fence ? ['freeze'] : []), ...(entry.capture === 'pin' ? ['pinSnapshot'] : [])];
    for (const op of ops) {
      if (!input.registry.get(`${workload.engine}.${op}`)) {
        throw new UsageError(
          `workload "${workload.name}" (${workload.engine}): an application-consistent cut needs ${workload.engine}.${op}`,
          { workload: workload.name },
        );
      }
    }
  }
  const withGuarantees =
    action !== 'backup'
      ? members
      : members.map((m): MemberPlan => ({
          ...m,
          guarantee:
            cut?.members.find((c) => c.name === m.workload.name)?.guarantee ??
            (capabilitiesOf(m.workload).pinSnapshot ? 'point-in-time' : 'unpinned'),
        }));

  const groups: ConsistencyGroup[] =
    consistency === 'app'
      ? [{ name: application.name, members: members.map((m) => m.workload.name) }]
      : members.map((m) => ({ name: m.workload.name, members: [m.workload.name] }));

  return deepFreeze({
    action,
    application,
    backup: { id: input.backup.id, startedAt: input.backup.startedAt },
    consistency,
    concurrency: positiveInt(options.concurrency, 4, 'concurrency'),
    options: templateOptions,
    groups,
    members: withGuarantees,
    ...(cut && { cut }),
  });
}

function parseDurationOrUsage(text: string, what: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`${what}: ${(error as Error).message}`);
  }
}

function pickBlueprint(workload: Workload, input: PlanInput): LoadedBlueprint {
  const who = `workload "${workload.name}" (${workload.engine})`;
  const named = workload.annotations[BLUEPRINT_ANNOTATION];
  if (named !== undefined) {
    const loaded = input.blueprintsByName?.[named];
    if (!loaded) {
      const known = Object.keys(input.blueprintsByName ?? {});
      throw new UsageError(
        `${who}: annotation ${BLUEPRINT_ANNOTATION}="${named}" names no known blueprint; known: ${known.join(', ') || '(none)'}`,
        { workload: workload.name },
      );
    }
    const engine = loaded.blueprint.spec.engine;
    if (engine !== 'any' && engine !== workload.engine) {
      throw new UsageError(`${who}: blueprint "${named}" is for ${engine}`, { workload: workload.name });
    }
    return loaded;
  }
  const loaded = input.blueprintsByEngine[workload.engine];
  if (!loaded)
    throw new UsageError(`${who}: no blueprint for engine ${workload.engine}`, { workload: workload.name });
  return loaded;
}
