/**
 * The application-consistent cut (DESIGN.md, "Cross-service consistent cut"): fence and
 * pin members one after another in the planned order; capture the members that cannot pin
 * a snapshot (`in-window`) while every fence holds; then release every fence. The fence
 * window is the fence/pin sequence plus those captures; the other dumps run afterwards
 * from the pinned snapshots. Fences are released whatever happens.
 */
import type { ProgressSink } from '../../adapters/types.ts';
import { parseDuration } from '../blueprint/duration.ts';
import { LifeboatError, UsageError } from '../errors.ts';
import type { FunctionContext, FunctionRegistry, HandleBag } from '../functions/types.ts';
import type { MemberPlan, Plan } from '../planner/types.ts';
import { abortable } from './abortable.ts';
import { PhaseError } from './phase-error.ts';
import type { MemberResult } from './results.ts';
import type { Emit } from './run-member.ts';

const quiet: ProgressSink = { bytes: () => undefined, rows: () => undefined, estimate: () => undefined };

export interface CutOutcome {
  readonly status: 'succeeded' | 'failed';
  /** Snapshot handle id per member (only when succeeded). */
  readonly snapshots: ReadonlyMap<string, string>;
  /** Results of the members captured inside the fence window (only when succeeded). */
  readonly inWindow: ReadonlyMap<string, MemberResult>;
  readonly fenceWindowMs: number;
  readonly error?: LifeboatError;
}

export async function runCut(
  plan: Plan,
  bags: ReadonlyMap<string, HandleBag>,
  options: {
    readonly registry: FunctionRegistry;
    readonly signal: AbortSignal;
    readonly emit: Emit;
    readonly now: () => number;
    readonly graceMs: number;
    /** Capture one `in-window` member completely (its blueprint, into a local spool). */
    readonly captureInWindow?: (member: MemberPlan, signal: AbortSignal) => Promise<MemberResult>;
  },
): Promise<CutOutcome> {
  const cut = plan.cut;
  if (!cut) return { status: 'succeeded', snapshots: new Map(), inWindow: new Map(), fenceWindowMs: 0 };
  options.emit({ type: 'cut.start', members: cut.members.map((m) => m.name) });
  // Each fence or pin may take at most the freeze deadline: a slow lock wait must not
  // stretch the window in which earlier members are fenced.
  const stepMs = parseDuration(plan.options.freezeDeadline);
  const fences: { member: string; id: string }[] = [];
  const snapshots = new Map<string, string>();
  let firstFenceAt: number | undefined;
  let error: LifeboatError | undefined;
  const steps: { member: string; op: string; ms: number }[] = [];

  /** Run `<engine>.<op>` for one cut member, bounded by the freeze deadline. */
  const call = async (
    member: MemberPlan,
    op: string,
    args: Readonly<Record<string, unknown>>,
  ): Promise<Readonly<Record<string, unknown>>> => {
    const func = `${member.workload.engine}.${op}`;
    const bag = bags.get(member.workload.name);
    try {
      const fn = options.registry.get(func);
      if (!fn) throw new UsageError(`unknown function ${func}`);
      if (!bag) throw new UsageError(`internal: no handle bag for ${member.workload.name}`);
      const signal = AbortSignal.any([options.signal, AbortSignal.timeout(stepMs)]);
      const ctx: FunctionContext = {
        workload: member.workload,
        artifacts: {
          sink: () => Promise.reject(new UsageError('the cut stores no artifacts')),
          source: () => Promise.reject(new UsageError('the cut reads no artifacts')),
        },
        signal,
        progress: quiet,
        handles: bag,
        where: {
          app: plan.application.name,
          phase: 'cut',
          action: plan.action,
          blueprint: member.blueprint.name,
        },
      };
      const stepStarted = options.now();
      const output = await abortable(fn.exec(args, ctx), signal, options.graceMs);
      steps.push({ member: member.workload.name, op, ms: options.now() - stepStarted });
      return output;
    } catch (cause) {
      throw new PhaseError(cause, {
        phase: `cut:${op}`,
        action: plan.action,
        app: plan.application.name,
        workload: member.workload.name,
        func,
        attempts: 1,
      });
    }
  };
  const planned = cut.members.flatMap((entry) => {
    const member = plan.members.find((m) => m.workload.name === entry.name);
    return member ? [{ entry, member }] : [];
  });

  // Before any fence: open every member's connections (not part of the write stall).
  const sessions = new Map<string, string>();
  const prepared = await Promise.allSettled(
    planned
      .filter(({ entry }) => entry.fence || entry.capture === 'pin')
      .filter(({ member }) => options.registry.get(`${member.workload.engine}.prepareCut`))
      .map(async ({ member }) => {
        const output = await call(member, 'prepareCut', {});
        sessions.set(member.workload.name, String(output.session));
      }),
  );
  const refused = prepared.find((r) => r.status === 'rejected');
  if (refused) error = refused.reason as LifeboatError;

  for (const { entry, member } of error ? [] : planned) {
    const session = sessions.get(entry.name);
    const withSession = session === undefined ? {} : { session };
    try {
      if (entry.fence) {
        const output = await call(member, 'freeze', {
          deadline: plan.options.freezeDeadline,
          ...withSession,
        });
        // Count from when the server granted the fence, not from when the call returned.
        const acquired = typeof output.acquiredAt === 'string' ? Date.parse(output.acquiredAt) : NaN;
        firstFenceAt ??= Number.isNaN(acquired) ? options.now() : Math.min(acquired, options.now());
        fences.push({ member: entry.name, id: String(output.fence) });
      }
      if (entry.capture === 'pin') {
        const output = await call(member, 'pinSnapshot', withSession);
        snapshots.set(entry.name, String(output.snapshot));
      }
    } catch (cause) {
      error = cause as LifeboatError;
      break;
    }
  }

  // Every fence holds and every snapshot is pinned: capture the members that cannot pin,
  // all at once (they are not causal with each other anyway), within the freeze deadline.
  const inWindow = new Map<string, MemberResult>();
  const windowMembers = cut.members.filter((m) => m.capture === 'in-window');
  if (!error && windowMembers.length > 0) {
    const started = options.now();
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(stepMs)]);
    const results = await Promise.all(
      windowMembers.map(async (entry) => {
        const member = plan.members.find((m) => m.workload.name === entry.name);
        if (!member) throw new UsageError(`internal: cut member ${entry.name} is not planned`);
        if (!options.captureInWindow) throw new UsageError('this run cannot capture inside the fence window');
        return options.captureInWindow(member, signal);
      }),
    ).catch((cause: unknown) => cause);
    steps.push({
      member: windowMembers.map((m) => m.name).join(','),
      op: 'capture',
      ms: options.now() - started,
    });
    if (!Array.isArray(results)) {
      error = new PhaseError(results, {
        phase: 'cut:capture',
        action: plan.action,
        app: plan.application.name,
        func: 'captureInWindow',
        attempts: 1,
      });
    } else {
      for (const result of results as MemberResult[]) inWindow.set(result.member, result);
      const failed = (results as MemberResult[]).find((r) => r.status !== 'succeeded');
      if (failed) {
        const timedOut = signal.aborted && !options.signal.aborted;
        error =
          !timedOut && failed.error
            ? failed.error
            : new PhaseError(
                timedOut
                  ? `capturing it inside the fence window took longer than the freeze deadline (${plan.options.freezeDeadline}); every fence was released. A member that cannot pin a snapshot is read whole while the others are fenced: back it up with --consistency member, or allow a longer freeze deadline`
                  : 'capturing it inside the fence window failed',
                {
                  phase: 'cut:capture',
                  action: plan.action,
                  app: plan.application.name,
                  workload: failed.member,
                  func: `${failed.engine}.dump`,
                  attempts: 1,
                },
              );
      }
    }
  }

  // Release every fence now (the last snapshot is pinned and the in-window captures are
  // done, or the cut failed).
  const releaseStarted = options.now();
  const released = await Promise.allSettled(
    fences.map((f) => bags.get(f.member)?.release(f.id) ?? Promise.resolve()),
  );
  const fenceWindowMs = firstFenceAt === undefined ? 0 : options.now() - firstFenceAt;
  if (fences.length) steps.push({ member: '*', op: 'release', ms: options.now() - releaseStarted });
  released.forEach((r, i) => {
    if (r.status === 'rejected') {
      const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
      options.emit({
        type: 'warning',
        member: fences[i]?.member,
        message: `releasing the fence failed: ${reason}`,
      });
    }
  });
  // Close what the prepared sessions opened but never used (held fences and snapshots stay).
  for (const [member, id] of sessions)
    await bags
      .get(member)
      ?.release(id)
      .catch(() => undefined);
  if (error) {
    for (const [member, id] of snapshots)
      await bags
        .get(member)
        ?.release(id)
        .catch(() => undefined);
    options.emit({ type: 'cut.end', status: 'failed', fenceWindowMs, steps, error: error.message });
    return { status: 'failed', snapshots: new Map(), inWindow: new Map(), fenceWindowMs, error };
  }
  options.emit({ type: 'cut.end', status: 'succeeded', fenceWindowMs, steps });
  return { status: 'succeeded', snapshots, inWindow, fenceWindowMs };
}
