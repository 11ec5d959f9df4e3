import { describe, expect, it } from 'vitest';
import { blueprintsByEngine, loadBuiltinBlueprints } from '../../../engine/blueprint/load.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { execute, type RunEvent } from '../../../engine/executor/index.ts';
import { buildRegistry } from '../../../engine/functions/index.ts';
import { plan } from '../../../engine/planner/index.ts';
import { aWorkload, anApplication, fakeAdapter, recordingSink, type Call } from '../functions/fakes.ts';

async function cutWorld(failFreezeOf?: string) {
  const calls: Call[] = [];
  const adapters = [
    fakeAdapter('postgres', {}, calls),
    fakeAdapter(
      'mysql',
      failFreezeOf === 'mysql'
        ? {
            onFreeze: () =>
              Promise.reject(new AdapterError('mysql', 'Lock wait timeout exceeded', { retryable: true })),
          }
        : {},
      calls,
    ),
    fakeAdapter('cassandra', { fence: false, strategies: ['logical'] }, calls),
  ];
  const registry = buildRegistry(adapters);
  const byEngine = blueprintsByEngine(
    await loadBuiltinBlueprints({ registry, engines: ['postgres', 'mysql', 'cassandra'] }),
  );
  const p = plan({
    application: anApplication('shop', [
      aWorkload('events', 'cassandra').build(),
      aWorkload('orders', 'postgres').build(),
      aWorkload('billing', 'mysql').build(),
    ]),
    blueprintsByEngine: byEngine,
    capabilitiesByEngine: Object.fromEntries(adapters.map((a) => [a.engine, a.capabilities])),
    registry,
    backup: { id: 'b', startedAt: 'now' },
    options: { consistency: 'app', freezeDeadline: '5s' },
  });
  const events: RunEvent[] = [];
  const result = await execute(p, {
    registry,
    artifacts: { sink: () => recordingSink() },
    onEvent: (e) => events.push(e),
  });
  return { calls, result, events };
}

describe('application-consistent cut', () => {
  it('fences and pins in order, releases fences after the last pin, then dumps from the pinned snapshots', async () => {
    const { calls, result, events } = await cutWorld();
    expect(result.status).toBe('succeeded');
    const sequence = calls.map((c) => `${c.method}:${c.workload}`);
    // The cut: fenceable members first, the unfenceable one last and never fenced.
    expect(sequence.slice(0, 5)).toEqual([
      'freeze:orders',
      'pinSnapshot:orders',
      'freeze:billing',
      'pinSnapshot:billing',
      'pinSnapshot:events',
    ]);
    expect(sequence.slice(5, 7).sort()).toEqual(['thaw:billing', 'thaw:orders']);
    // Every dump reads its member's pinned snapshot, and the snapshot is released afterwards.
    const dumps = calls.filter((c) => c.method === 'dump');
    expect(dumps.map((d) => [d.workload, (d.detail as { snapshot?: string }).snapshot])).toEqual(
      expect.arrayContaining([
        ['orders', 'snap-1'],
        ['billing', 'snap-1'],
        ['events', 'snap-1'],
      ]),
    );
    for (const member of ['orders', 'billing', 'events']) {
      const i = sequence.indexOf(`dump:${member}`);
      expect(sequence.indexOf(`releaseSnapshot:${member}`)).toBeGreaterThan(i);
    }
    // The blueprint's own freeze phase is skipped (strategy logical), no stray handles.
    expect(calls.filter((c) => c.method === 'freeze')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'warning')).toEqual([]);
    expect(result.cut).toMatchObject({ status: 'succeeded' });
    expect(result.members.map((m) => [m.member, m.guarantee])).toEqual([
      ['events', 'causal'],
      ['orders', 'causal'],
      ['billing', 'causal'],
    ]);
    const cutEnd = events.find((e) => e.type === 'cut.end');
    expect(cutEnd).toMatchObject({ status: 'succeeded' });
  });

  it('a failed fence releases what the cut already holds and fails every member without dumping', async () => {
    const { calls, result } = await cutWorld('mysql');
    expect(result.status).toBe('failed');
    expect(calls.map((c) => `${c.method}:${c.workload}`)).toEqual([
      'freeze:orders',
      'pinSnapshot:orders',
      'freeze:billing',
      'thaw:orders',
      'releaseSnapshot:orders',
    ]);
    expect(result.members.map((m) => [m.member, m.status])).toEqual([
      ['events', 'failed'],
      ['orders', 'failed'],
      ['billing', 'failed'],
    ]);
    expect(result.members[0]?.error?.message).toBe(
      'phase "cut:freeze" of action "backup" (shop/billing): Lock wait timeout exceeded',
    );
  });
});

describe('application-consistent cut with a member that cannot pin (captured inside the fence window)', () => {
  async function windowWorld(onDump?: (signal: AbortSignal) => Promise<void>) {
    const calls: Call[] = [];
    const adapters = [
      fakeAdapter('postgres', {}, calls),
      fakeAdapter('mysql', {}, calls),
      fakeAdapter('mongodb', onDump ? { onDump: (_w, signal) => onDump(signal) } : {}, calls),
    ];
    const registry = buildRegistry(adapters);
    const byEngine = blueprintsByEngine(
      await loadBuiltinBlueprints({ registry, engines: ['postgres', 'mysql', 'mongodb'] }),
    );
    const p = plan({
      application: anApplication('shop', [
        aWorkload('events', 'mongodb').build(),
        aWorkload('orders', 'postgres').build(),
        aWorkload('billing', 'mysql').build(),
      ]),
      blueprintsByEngine: byEngine,
      capabilitiesByEngine: {
        ...Object.fromEntries(adapters.map((a) => [a.engine, a.capabilities])),
        mongodb: { strategies: ['logical'], fence: false, pinSnapshot: false },
      },
      registry,
      backup: { id: 'b', startedAt: 'now' },
      options: { consistency: 'app', freezeDeadline: '1s' },
    });
    const sinks = new Map<string, ReturnType<typeof recordingSink>>();
    const events: RunEvent[] = [];
    const result = await execute(p, {
      registry,
      artifacts: {
        sink: (member) => {
          const sink = recordingSink();
          sinks.set(member.workload.name, sink);
          return sink;
        },
      },
      onEvent: (e) => events.push(e),
    });
    return { calls, result, events, sinks };
  }

  it('fences every pinned member, captures the unpinnable one while the fences hold, stores it after the release', async () => {
    const { calls, result, events, sinks } = await windowWorld();
    expect(result.status).toBe('succeeded');
    const sequence = calls.map((c) => `${c.method}:${c.workload}`);
    expect(sequence.slice(0, 6)).toEqual([
      'freeze:orders',
      'pinSnapshot:orders',
      'freeze:billing',
      'pinSnapshot:billing',
      'probe:events',
      'dump:events',
    ]);
    expect(sequence.slice(6, 8).sort()).toEqual(['thaw:billing', 'thaw:orders']);
    expect(calls.find((c) => c.method === 'dump' && c.workload === 'events')?.detail).toMatchObject({
      snapshot: undefined,
    });
    // The spooled capture reached the repository's sink intact.
    expect(sinks.get('events')?.artifacts.get('data.bin')?.toString()).toBe('0123456789');
    expect(result.members.map((m) => [m.member, m.guarantee])).toEqual([
      ['events', 'causal-in-window'],
      ['orders', 'causal'],
      ['billing', 'causal'],
    ]);
    const cutEnd = events.find((e) => e.type === 'cut.end');
    expect(cutEnd).toMatchObject({ status: 'succeeded' });
    expect(JSON.stringify(cutEnd)).toContain('"op":"capture"');
  });

  it('an in-window capture longer than the freeze deadline fails the cut and releases every fence', async () => {
    const { calls, result } = await windowWorld(
      (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reject(new Error('aborted'));
          });
        }),
    );
    expect(result.status).toBe('failed');
    expect(result.cut?.status).toBe('failed');
    const sequence = calls.map((c) => `${c.method}:${c.workload}`);
    expect(sequence).toEqual(expect.arrayContaining(['thaw:orders', 'thaw:billing']));
    expect(sequence.filter((s) => s.startsWith('dump:'))).toEqual(['dump:events']);
    expect(result.members.map((m) => m.status)).toEqual(['failed', 'failed', 'failed']);
    expect(result.members[0]?.error?.message).toContain('longer than the freeze deadline (1s)');
  });
});
