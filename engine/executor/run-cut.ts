/**
 * The application-consistent cut (DESIGN.md, "Cross-service consistent cut"): fence and
 * pin members one after another in the planned order, then release every fence as soon as
 * the last snapshot is pinned. The fence window is only the fence/pin sequence; the dumps
 * run afterwards from the pinned snapshots. Fences are released whatever happens.
 */
import type { ProgressSink } from '../../adapters/types.ts';
import { parseDuration } from '../blueprint/duration.ts';
import { LifeboatError, UsageError } from '../errors.ts';
import type { FunctionContext, FunctionRegistry, HandleBag } from '../functions/types.ts';
import type { Plan } from '../planner/types.ts';
import { abortable } from './abortable.ts';
import { PhaseError } from './phase-error.ts';
import type { Emit } from './run-member.ts';

const quiet: ProgressSink = { bytes: () => undefined, rows: () => undefined, estimate: () => undefined };

export interface CutOutcome {
  readonly status: 'succeeded' | 'failed';
  /** Snapshot handle id per member (only when succeeded). */
  readonly snapshots: ReadonlyMap<string, string>;
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
  },
): Promise<CutOutcome> {
  const cut = plan.cut;
  if (!cut) return { status: 'succeeded', snapshots: new Map(), fenceWindowMs: 0 };
  options.emit({ type: 'cut.start', members: cut.members.map((m) => m.name) });
  // Each fence or pin may take at most the freeze deadline: a slow lock wait must not
  // stretch the window in which earlier members are fenced.
  const stepMs = parseDuration(plan.options.freezeDeadline);
  const fences: { member: string; id: string }[] = [];
  const snapshots = new Map<string, string>();
  let firstFenceAt: number | undefined;
  let error: LifeboatError | undefined;
  const steps: { member: string; op: string; ms: number }[] = [];

  for (const entry of cut.members) {
    const member = plan.members.find((m) => m.workload.name === entry.name);
    const bag = bags.get(entry.name);
    if (!member || !bag) continue;
    const ops = entry.fence ? ['freeze', 'pinSnapshot'] : ['pinSnapshot'];
    for (const op of ops) {
      const func = `${member.workload.engine}.${op}`;
      try {
        const fn = options.registry.get(func);
        if (!fn) throw new UsageError(`unknown function ${func}`);
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
        const args = op === 'freeze' ? { deadline: plan.options.freezeDeadline } : {};
        const stepStarted = options.now();
        const output = await abortable(fn.exec(args, ctx), signal, options.graceMs);
        steps.push({ member: entry.name, op, ms: options.now() - stepStarted });
        if (op === 'freeze') {
          // Count from when the server granted the fence, not from when the call returned.
          const acquired = typeof output.acquiredAt === 'string' ? Date.parse(output.acquiredAt) : NaN;
          firstFenceAt ??= Number.isNaN(acquired) ? options.now() : Math.min(acquired, options.now());
          fences.push({ member: entry.name, id: String(output.fence) });
        } else {
          snapshots.set(entry.name, String(output.snapshot));
        }
      } catch (cause) {
        error = new PhaseError(cause, {
          phase: `cut:${op}`,
          action: plan.action,
          app: plan.application.name,
          workload: entry.name,
          func,
          attempts: 1,
        });
        break;
      }
    }
    if (error) break;
  }

  // Release every fence now (the last snapshot is pinned, or the cut failed).
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
  if (error) {
    for (const [member, id] of snapshots)
      await bags
        .get(member)
        ?.release(id)
        .catch(() => undefined);
    options.emit({ type: 'cut.end', status: 'failed', fenceWindowMs, steps, error: error.message });
    return { status: 'failed', snapshots: new Map(), fenceWindowMs, error };
  }
  options.emit({ type: 'cut.end', status: 'succeeded', fenceWindowMs, steps });
  return { status: 'succeeded', snapshots, fenceWindowMs };
}
