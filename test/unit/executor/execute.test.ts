import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  loadBlueprintText,
  loadBuiltinBlueprints,
  blueprintsByEngine,
} from '../../../engine/blueprint/load.ts';
import { AdapterError, CancelledError, TemplateError } from '../../../engine/errors.ts';
import { captureSummary, execute, PhaseError, type RunEvent } from '../../../engine/executor/index.ts';
import { buildRegistry, defineFunction } from '../../../engine/functions/index.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { plan, type PlanOptions } from '../../../engine/planner/index.ts';
import {
  aWorkload,
  anApplication,
  fakeAdapter,
  recordingSink,
  type Call,
  type FakeAdapterOptions,
} from '../functions/fakes.ts';

const CAPS = {
  strategies: ['logical', 'replica', 'freeze-snapshot'] as const,
  fence: true,
  pinSnapshot: true,
};

/** A world of fake postgres adapter + built-in blueprint + a recording sink per member. */
async function world(
  adapterOptions: FakeAdapterOptions = {},
  extraFunctions: Parameters<typeof buildRegistry>[1] = [],
) {
  const calls: Call[] = [];
  const adapter = fakeAdapter('postgres', adapterOptions, calls);
  const registry = buildRegistry([adapter, fakeAdapter('mysql', adapterOptions, calls)], extraFunctions);
  const builtins = blueprintsByEngine(
    await loadBuiltinBlueprints({ registry, engines: ['postgres', 'mysql'] }),
  );
  const sinks = new Map<string, ReturnType<typeof recordingSink>>();
  const events: RunEvent[] = [];
  const makePlan = (workloads: Workload[], options: PlanOptions = {}, blueprintYaml?: string) =>
    plan({
      application: anApplication('shop', workloads),
      blueprintsByEngine: blueprintYaml
        ? { postgres: loadBlueprintText(blueprintYaml, 'test.yaml', registry) }
        : builtins,
      capabilitiesByEngine: { postgres: CAPS, mysql: CAPS },
      registry,
      backup: { id: 'b1', startedAt: '2026-01-01T00:00:00Z' },
      options,
    });
  const run = (p: ReturnType<typeof makePlan>, signal?: AbortSignal) =>
    execute(p, {
      registry,
      artifacts: {
        sink: (member) => {
          const sink = recordingSink();
          sinks.set(member.workload.name, sink);
          return sink;
        },
      },
      onEvent: (e) => events.push(e),
      backoff: { baseMs: 10, maxMs: 40 },
      random: () => 0.5,
      sleep: () => Promise.resolve(),
      graceMs: 50,
      ...(signal && { signal }),
    });
  return { calls, registry, sinks, events, makePlan, run };
}

const phaseLog = (events: RunEvent[], member: string) =>
  events.flatMap((e) => (e.type === 'phase.end' && e.member === member ? [`${e.phase}:${e.status}`] : []));

describe('execute', () => {
  it('runs the built-in postgres backup: freeze skipped, dump streamed, thaw no-op', async () => {
    const w = await world();
    const result = await w.run(w.makePlan([aWorkload('orders').build()], { parallelism: 3 }));
    expect(result.status).toBe('succeeded');
    expect(phaseLog(w.events, 'orders')).toEqual([
      'probe:succeeded',
      // the freeze-snapshot phases (volume snapshots under a fence)
      ...['volumes', 'backupStart', 'freeze', 'pin', 'snapshot', 'backupStop', 'release', 'record'].map(
        (p) => `${p}:skipped`,
      ),
      'dump:succeeded',
      'thaw:succeeded',
    ]);
    expect(w.calls.map((c) => c.method)).toEqual(['probe', 'dump']);
    expect(w.calls[1]?.detail).toEqual({ strategy: 'logical', parallelism: 3, snapshot: undefined });
    const member = result.members[0];
    expect(member?.outputs.dump?.markers).toEqual([{ kind: 'lsn', value: '0/16B3748' }]);
    expect(member).toMatchObject({ bytes: 10, rows: 2, status: 'succeeded' });
    expect(w.sinks.get('orders')?.artifacts.get('data.bin')?.toString()).toBe('0123456789');
    expect(member && captureSummary(member)).toEqual({
      name: 'orders',
      engine: 'postgres',
      strategy: 'logical',
      markers: [{ kind: 'lsn', value: '0/16B3748' }],
      fingerprint: { 'orders.public.items': { rows: 2, hash: 'ab' } },
      details: { format: 'fake' },
      guarantee: 'point-in-time',
      bytes: 10,
    });
    expect(w.events.map((e) => e.type)).toEqual([
      'run.start',
      'member.start',
      ...['phase.start', 'phase.end'],
      ...Array.from({ length: 8 }, () => 'phase.end'),
      ...['phase.start', 'progress', 'progress', 'progress', 'phase.end'],
      ...['phase.start', 'phase.end'],
      'member.end',
      'run.end',
    ]);
  });

  // The built-in mysql blueprint (the postgres one's freeze-snapshot takes volume snapshots).
  it('freeze-snapshot freezes, dumps, then thaws in the defer phase', async () => {
    const w = await world();
    const result = await w.run(
      w.makePlan([aWorkload('orders', 'mysql').build()], {
        strategy: 'freeze-snapshot',
        freezeDeadline: '7s',
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(w.calls.map((c) => c.method)).toEqual(['probe', 'freeze', 'dump', 'thaw']);
    expect(w.calls[1]?.detail).toEqual({ deadlineMs: 7000 });
    expect(result.members[0]?.outputs.thaw?.heldMs).toBeGreaterThanOrEqual(0);
  });

  it('one failing member does not hide the others; the failed one still thaws', async () => {
    const w = await world({
      onDump: (workload) => {
        if (workload.name === 'orders') throw new AdapterError('mysql', 'permission denied for table x');
      },
    });
    const result = await w.run(
      w.makePlan([aWorkload('orders', 'mysql').build(), aWorkload('billing', 'mysql').build()], {
        strategy: 'freeze-snapshot',
      }),
    );
    expect(result.status).toBe('failed');
    const [orders, billing] = result.members;
    expect(billing?.status).toBe('succeeded');
    expect(orders?.status).toBe('failed');
    expect(orders?.error).toBeInstanceOf(PhaseError);
    expect(orders?.error?.message).toBe(
      'phase "dump" of action "backup" (shop/orders): permission denied for table x',
    );
    expect(orders?.error?.cause).toBeInstanceOf(AdapterError);
    expect(orders?.error).toMatchObject({
      workload: 'orders',
      phase: 'dump',
      blueprint: 'mysql',
      app: 'shop',
    });
    expect(w.calls.filter((c) => c.workload === 'orders').map((c) => c.method)).toEqual([
      'probe',
      'freeze',
      'dump',
      'thaw',
    ]);
    expect(w.events.at(-1)).toMatchObject({ type: 'run.end', status: 'failed', failed: ['orders'] });
  });

  it('retries retryable errors with backoff, and only those', async () => {
    let attempts = 0;
    const w = await world({
      onDump: () => {
        attempts++;
        if (attempts <= 2) throw new AdapterError('postgres', 'recovery conflict', { retryable: true });
      },
    });
    const yaml = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: retrying }
spec:
  engine: postgres
  actions:
    backup:
      phases:
        - { name: dump, func: postgres.dump, retries: 2 }
`;
    const result = await w.run(w.makePlan([aWorkload('orders').build()], {}, yaml));
    expect(result.status).toBe('succeeded');
    expect(result.members[0]?.phases[0]?.attempts).toBe(3);
    const retries = w.events.flatMap((e) =>
      e.type === 'phase.retry' ? [[e.attempt, e.delayMs, e.error]] : [],
    );
    // Equal jitter with random 0.5: 3/4 of the capped exponential delay (10ms, then 20ms).
    expect(retries).toEqual([
      [1, 8, 'recovery conflict'],
      [2, 15, 'recovery conflict'],
    ]);

    attempts = -10; // now fails with a non-retryable error: no retry
    const w2 = await world({ onDump: () => Promise.reject(new AdapterError('postgres', 'syntax error')) });
    const failed = await w2.run(w2.makePlan([aWorkload('orders').build()], {}, yaml));
    expect(failed.members[0]?.phases[0]).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('times a phase out (retryable) and reports how long it waited', async () => {
    const w = await world({
      onDump: (_w, signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            reject(signal.reason as Error);
          });
        }),
    });
    const yaml = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: slow }
spec:
  engine: postgres
  actions:
    backup:
      phases:
        - { name: dump, func: postgres.dump, timeout: 50ms, retries: 1 }
`;
    const result = await w.run(w.makePlan([aWorkload('orders').build()], {}, yaml));
    expect(result.members[0]?.phases[0]).toMatchObject({ status: 'failed', attempts: 2 });
    expect(result.members[0]?.error?.message).toBe(
      'phase "dump" of action "backup" (shop/orders): timed out after 50ms',
    );
  });

  it('moves on from a function that ignores its abort signal after the grace period', async () => {
    const w = await world({ onDump: () => new Promise(() => undefined) });
    const yaml = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: stuck }
spec:
  engine: postgres
  actions:
    backup:
      phases:
        - { name: dump, func: postgres.dump, timeout: 30ms }
`;
    const started = Date.now();
    const result = await w.run(w.makePlan([aWorkload('orders').build()], {}, yaml));
    expect(result.members[0]?.status).toBe('failed');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('on cancellation aborts the running phase, skips the rest, still runs the defer phase', async () => {
    const controller = new AbortController();
    const w = await world({
      onDump: (_w, signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            reject(new CancelledError('dump aborted'));
          });
          controller.abort(new CancelledError('interrupted by SIGINT'));
        }),
    });
    const yaml = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: cancel }
spec:
  engine: postgres
  actions:
    backup:
      phases:
        - { name: freeze, func: postgres.freeze }
        - { name: dump, func: postgres.dump }
        - { name: after, func: postgres.fingerprint }
      deferPhase: { name: thaw, func: postgres.thaw, args: { fence: "\${{ phases.freeze.output.fence }}" } }
`;
    const result = await w.run(w.makePlan([aWorkload('orders').build()], {}, yaml), controller.signal);
    expect(result.status).toBe('cancelled');
    expect(result.members[0]?.status).toBe('cancelled');
    expect(result.members[0]?.error).toBeInstanceOf(CancelledError);
    expect(result.members[0]?.phases.map((p) => `${p.name}:${p.status}`)).toEqual([
      'freeze:succeeded',
      'dump:cancelled',
      'after:cancelled',
      'thaw:succeeded',
    ]);
    expect(w.calls.map((c) => c.method)).toEqual(['freeze', 'dump', 'thaw']);
  });

  it('releases a fence no phase released (safety net) and warns', async () => {
    const w = await world();
    // Built without the linter, which would reject a freeze without thaw.
    const registry = w.registry;
    const loaded = {
      file: 'x.yaml',
      blueprint: {
        apiVersion: 'lifeboat.dev/v1alpha1' as const,
        kind: 'Blueprint' as const,
        metadata: { name: 'leaky' },
        spec: {
          engine: 'postgres' as const,
          actions: { backup: { phases: [{ name: 'freeze', func: 'postgres.freeze' }] } },
        },
      },
    };
    const p = plan({
      application: anApplication('shop', [aWorkload('orders').build()]),
      blueprintsByEngine: { postgres: loaded },
      capabilitiesByEngine: { postgres: CAPS },
      registry,
      backup: { id: 'b', startedAt: 'now' },
    });
    const result = await w.run(p);
    expect(result.status).toBe('succeeded');
    expect(w.calls.map((c) => c.method)).toEqual(['freeze', 'thaw']);
    expect(w.events.find((e) => e.type === 'warning')).toMatchObject({
      message: 'releasing fence-1, which no phase released',
    });
  });

  it('reports a template error at run time with key, phase and blueprint', async () => {
    const w = await world();
    const yaml = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: params }
spec:
  engine: postgres
  actions:
    backup:
      phases:
        - { name: dump, func: postgres.dump, args: { strategy: "\${{ options.params.strategy }}" } }
`;
    const result = await w.run(w.makePlan([aWorkload('orders').build()], { params: { other: 1 } }, yaml));
    const error = result.members[0]?.error;
    expect(error?.cause).toBeInstanceOf(TemplateError);
    expect(error?.message).toBe(
      'phase "dump" of action "backup" (shop/orders): unknown key `options.params.strategy` in args.strategy of phase "dump" of blueprint "params": known keys under options.params: other',
    );
  });

  it('runs members concurrently up to the limit, and a throwing subscriber is harmless', async () => {
    let inFlight = 0;
    let peak = 0;
    const gate = defineFunction({
      name: 'gate',
      description: 'measures concurrency',
      args: z.strictObject({}),
      outputs: [],
      async exec() {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return {};
      },
    });
    const w = await world({}, [gate]);
    const yaml = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: gate }
spec:
  engine: postgres
  actions:
    backup:
      phases: [{ name: gate, func: gate }]
`;
    const p = w.makePlan(
      ['a', 'b', 'c', 'd', 'e'].map((n) => aWorkload(n).build()),
      { concurrency: 2 },
      yaml,
    );
    const result = await execute(p, {
      registry: w.registry,
      onEvent: [
        () => {
          throw new Error('display broke');
        },
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(result.members.map((m) => m.member)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
  });

  it('a restore without an artifact source fails clearly', async () => {
    const w = await world();
    const p = w.makePlan([aWorkload('orders').build()], { action: 'restore' });
    const result = await execute(p, { registry: w.registry });
    expect(result.members[0]?.error?.message).toBe(
      'phase "load" of action "restore" (shop/orders): action restore has no artifact source for orders',
    );
  });
});
