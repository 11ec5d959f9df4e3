import { beforeAll, describe, expect, it } from 'vitest';
import type { AdapterCapabilities, ProbeResult, Strategy } from '../../../adapters/types.ts';
import {
  blueprintsByEngine,
  loadBuiltinBlueprints,
  type LoadedBlueprint,
} from '../../../engine/blueprint/load.ts';
import { UsageError } from '../../../engine/errors.ts';
import { buildRegistry } from '../../../engine/functions/index.ts';
import type { EngineKind, Workload } from '../../../engine/model/index.ts';
import { describePlan, formatPlan, plan, type PlanInput } from '../../../engine/planner/index.ts';
import { aWorkload, anApplication, fakeAdapters } from '../functions/fakes.ts';

const caps = (strategies: readonly Strategy[], fence = true): AdapterCapabilities => ({
  strategies,
  fence,
  pinSnapshot: true,
});
const capabilitiesByEngine: Partial<Record<EngineKind, AdapterCapabilities>> = {
  postgres: caps(['logical', 'replica', 'replica-snapshot', 'freeze-snapshot']),
  mysql: caps(['logical', 'replica', 'freeze-snapshot']),
  cassandra: caps(['logical'], false),
};
const probe = (replicas: number): ProbeResult => ({
  version: '16',
  role: 'primary',
  replicas: Array.from({ length: replicas }, (_, i) => ({ host: `r${i}`, port: 5432 })),
  databases: [],
  privileges: [],
  limitations: [],
});

let byEngine: Partial<Record<EngineKind, LoadedBlueprint>>;
const registry = buildRegistry(fakeAdapters());
beforeAll(async () => {
  byEngine = blueprintsByEngine(await loadBuiltinBlueprints({ registry }));
});

function input(workloads: Workload[], extra: Partial<PlanInput> = {}): PlanInput {
  return {
    application: anApplication('shop', workloads),
    blueprintsByEngine: byEngine,
    capabilitiesByEngine,
    registry,
    backup: { id: 'b-20260101', startedAt: '2026-01-01T00:00:00.000Z' },
    ...extra,
  };
}

const plain = aWorkload('orders').build();
const withReplica = aWorkload('orders').withReplica().build();
const annotated = (value: string, replica = false) => {
  const b = aWorkload('orders').withAnnotation('lifeboat.dev/strategy', value);
  return (replica ? b.withReplica() : b).build();
};

describe('strategy choice', () => {
  it.each([
    [
      'default without replica',
      plain,
      {},
      undefined,
      'logical',
      'default',
      'default: logical dump from the primary',
    ],
    [
      'default with replica',
      withReplica,
      {},
      undefined,
      'replica',
      'default',
      'default: a replica is available, so the primary is not touched',
    ],
    [
      'default, probe sees no standby',
      withReplica,
      {},
      probe(0),
      'logical',
      'fallback',
      'a replica is declared, but the probe of its primary reports no standby attached: falling back to logical',
    ],
    [
      'default, probe sees a standby',
      withReplica,
      {},
      probe(1),
      'replica',
      'default',
      'default: a replica is available, so the primary is not touched',
    ],
    [
      'requested wins over annotation',
      annotated('replica', true),
      { strategy: 'freeze-snapshot' as const },
      undefined,
      'freeze-snapshot',
      'requested',
      'freeze-snapshot was requested',
    ],
    [
      'annotation',
      annotated('freeze-snapshot'),
      {},
      undefined,
      'freeze-snapshot',
      'annotation',
      'annotation lifeboat.dev/strategy=freeze-snapshot',
    ],
    [
      'annotation replica without replica falls back',
      annotated('replica'),
      {},
      undefined,
      'logical',
      'fallback',
      'annotation lifeboat.dev/strategy asks for replica, but it has no replica (pass --replica URL or declare one): falling back to logical',
    ],
    [
      'requested replica-snapshot',
      withReplica,
      { strategy: 'replica-snapshot' as const },
      probe(1),
      'replica-snapshot',
      'requested',
      'replica-snapshot was requested',
    ],
  ])('%s', (_name, workload, options, probeResult, strategy, source, reason) => {
    const result = plan(
      input([workload], { options, ...(probeResult && { probes: { orders: probeResult } }) }),
    );
    expect(result.members[0]).toMatchObject({ strategy, decision: { source, reason } });
    expect(result.members[0]?.backup.strategy).toBe(strategy);
  });

  it.each([
    [
      'requested replica, no replica',
      plain,
      { strategy: 'replica' as const },
      undefined,
      'workload "orders" (postgres): strategy replica was requested but it has no replica (pass --replica URL or declare one)',
    ],
    [
      'requested replica, probe sees none',
      withReplica,
      { strategy: 'replica' as const },
      probe(0),
      'workload "orders" (postgres): strategy replica was requested but the probe of its primary reports no standby attached',
    ],
    [
      'bad annotation',
      annotated('fast'),
      {},
      undefined,
      'workload "orders" (postgres): annotation lifeboat.dev/strategy="fast" is not a strategy; use one of logical, replica, replica-snapshot, freeze-snapshot',
    ],
  ])('%s is a UsageError naming the workload', (_name, workload, options, probeResult, message) => {
    const run = () =>
      plan(input([workload], { options, ...(probeResult && { probes: { orders: probeResult } }) }));
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });

  it('rejects a strategy the adapter cannot do', () => {
    const cass = aWorkload('events', 'cassandra').build();
    expect(() => plan(input([cass], { options: { strategy: 'freeze-snapshot' } }))).toThrow(
      'workload "events" (cassandra): strategy freeze-snapshot (requested) is not supported by the cassandra adapter; supported: logical',
    );
  });
});

describe('plan', () => {
  it('builds ordered steps with defer, timeouts and retries from the blueprint', () => {
    const result = plan(input([plain], { options: { parallelism: 2, freezeDeadline: '10s' } }));
    const member = result.members[0];
    expect(member?.steps.map((s) => [s.name, s.func, s.timeoutMs, s.retries])).toEqual([
      ['probe', 'postgres.probe', 30_000, 2],
      ['volumes', 'kube.prepareVolumeSnapshots', 60_000, 2],
      ['backupStart', 'postgres.backupStart', 60_000, 0],
      ['freeze', 'postgres.freeze', 60_000, 0],
      ['pin', 'postgres.pinSnapshot', 60_000, 0],
      ['snapshot', 'kube.snapshotVolumes', 120_000, 0],
      ['backupStop', 'postgres.backupStop', 60_000, 0],
      ['release', 'postgres.thaw', 60_000, 0],
      ['record', 'postgres.recordVolumeSnapshot', 900_000, 0],
      ['dump', 'postgres.dump', undefined, 0],
    ]);
    expect(member?.defer).toMatchObject({
      name: 'thaw',
      func: 'postgres.thaw',
      timeoutMs: 60_000,
      retries: 3,
    });
    expect(result.options).toEqual({
      parallelism: 2,
      force: false,
      rename: {},
      withUsers: false,
      dataDirs: {},
      freezeDeadline: '10s',
      params: {},
    });
  });

  it('is immutable', () => {
    const result = plan(input([plain]));
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.members[0]?.steps)).toBe(true);
    expect(() => {
      (result.members as unknown as unknown[]).push(1);
    }).toThrow();
  });

  it('groups members by consistency', () => {
    const ws = [aWorkload('orders').build(), aWorkload('billing', 'mysql').build()];
    expect(plan(input(ws)).groups).toEqual([
      { name: 'orders', members: ['orders'] },
      { name: 'billing', members: ['billing'] },
    ]);
    const app = plan(input(ws, { options: { consistency: 'app' } }));
    expect(app.groups).toEqual([{ name: 'shop', members: ['orders', 'billing'] }]);
    expect(app.members.map((m) => m.group)).toEqual(['shop', 'shop']);
  });

  it('plans restore and verify from what the backup recorded', () => {
    const fingerprint = { 'orders.public.items': { rows: 1, hash: 'a' } };
    const result = plan(
      input([plain], {
        backup: { id: 'b1', startedAt: 'x', members: { orders: { strategy: 'replica', fingerprint } } },
        options: { action: 'verify' },
      }),
    );
    expect(result.members[0]).toMatchObject({
      strategy: 'replica',
      decision: { source: 'recorded', reason: 'the backup used replica' },
      backup: { fingerprint },
    });
    expect(result.members[0]?.steps.map((s) => s.func)).toEqual([
      'postgres.fingerprint',
      'compareFingerprints',
    ]);
  });

  it.each([
    [
      'no adapter',
      [aWorkload('m', 'mongodb').build()],
      {},
      'workload "m" (mongodb): no adapter for engine mongodb is registered',
    ],
    ['duplicate member', [plain, plain], {}, 'member name "orders" is used twice in application "shop"'],
    ['no workloads', [], {}, 'application "shop" has no workloads to backup'],
    [
      'bad parallelism',
      [plain],
      { options: { parallelism: 0 } },
      'parallelism must be a positive integer, got 0',
    ],
    [
      'strategy on restore',
      [plain],
      { options: { action: 'restore' as const, strategy: 'logical' as const } },
      '--strategy applies to backups only',
    ],
    [
      'missing action',
      [plain],
      { options: { action: 'delete' as const } },
      'workload "orders" (postgres): blueprint "postgres" has no delete action',
    ],
    [
      'unknown blueprint annotation',
      [aWorkload('o').withAnnotation('lifeboat.dev/blueprint', 'pg-custom').build()],
      {},
      'annotation lifeboat.dev/blueprint="pg-custom" names no known blueprint',
    ],
  ])('%s → UsageError', (_name, workloads, extra, message) => {
    expect(() => plan(input(workloads, extra))).toThrow(message);
  });

  it('describes itself without secrets (dry-run)', () => {
    const result = plan(
      input([withReplica, aWorkload('billing', 'mysql').build()], { options: { consistency: 'app' } }),
    );
    const json = JSON.stringify(describePlan(result));
    expect(json).not.toContain('hunter2');
    expect(formatPlan(result)).toMatchInlineSnapshot(`
      "backup of application "shop" (backup b-20260101)
      consistency: app; up to 4 member(s) at once
      cut, in order: orders (fence+pin): causal → billing (pin): causal

      orders (postgres) postgres://app@orders-0:5432/orders
        strategy: logical — application-consistent cut: logical dump from a snapshot pinned during the cut
        blueprint: postgres, group: shop
        1. probe: postgres.probe (timeout 30s, retries 2)
        2. volumes: kube.prepareVolumeSnapshots (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 1m, retries 2)
        3. backupStart: postgres.backupStart (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 1m)
        4. freeze: postgres.freeze (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 1m)
        5. pin: postgres.pinSnapshot (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 1m)
        6. snapshot: kube.snapshotVolumes (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 2m)
        7. backupStop: postgres.backupStop (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 1m)
        8. release: postgres.thaw (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 1m)
        9. record: postgres.recordVolumeSnapshot (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 15m)
        10. dump: postgres.dump (if \${{ backup.strategy != 'freeze-snapshot' }})
        defer thaw: postgres.thaw (timeout 1m, retries 3)

      billing (mysql) postgres://app@billing-0:5432/billing
        strategy: logical — application-consistent cut: logical dump from a snapshot pinned during the cut
        blueprint: mysql, group: shop
        1. probe: mysql.probe (timeout 30s, retries 2)
        2. freeze: mysql.freeze (if \${{ backup.strategy == 'freeze-snapshot' }}, timeout 1m)
        3. dump: mysql.dump
        defer thaw: mysql.thaw (timeout 1m, retries 3)"
    `);
  });
});

describe('application-consistent plan', () => {
  it('adds an ordered cut with guarantees and forces logical dumps', () => {
    const ws = [aWorkload('events', 'cassandra').build(), aWorkload('orders').withReplica().build()];
    const result = plan(input(ws, { options: { consistency: 'app' } }));
    expect(result.cut?.members).toEqual([
      { name: 'orders', fence: true, capture: 'pin', guarantee: 'causal' },
      { name: 'events', fence: false, capture: 'pin', guarantee: 'causal' },
    ]);
    expect(result.members.map((m) => [m.workload.name, m.strategy, m.guarantee])).toEqual([
      ['events', 'logical', 'causal'],
      ['orders', 'logical', 'causal'],
    ]);
  });

  it('captures a member whose server cannot fence or pin (probe) inside the fence window', () => {
    const ws = [aWorkload('events', 'mongodb').build(), aWorkload('orders').build()];
    const ferretdb: ProbeResult = { ...probe(0), allows: { fence: false, pinSnapshot: false } };
    const result = plan(
      input(ws, {
        options: { consistency: 'app' },
        probes: { events: ferretdb },
        capabilitiesByEngine: {
          ...capabilitiesByEngine,
          mongodb: { strategies: ['logical'], fence: true, pinSnapshot: false },
        },
      }),
    );
    expect(result.cut?.members).toEqual([
      { name: 'orders', fence: true, capture: 'pin', guarantee: 'causal' },
      { name: 'events', fence: false, capture: 'in-window', guarantee: 'causal-in-window' },
    ]);
  });

  it("records each member's own guarantee without a cut", () => {
    const ws = [aWorkload('events', 'mongodb').build(), aWorkload('orders').build()];
    const result = plan(
      input(ws, {
        capabilitiesByEngine: {
          ...capabilitiesByEngine,
          mongodb: { strategies: ['logical'], fence: true, pinSnapshot: false },
        },
      }),
    );
    expect(result.members.map((m) => [m.workload.name, m.guarantee])).toEqual([
      ['events', 'unpinned'],
      ['orders', 'point-in-time'],
    ]);
  });

  it('refuses a non-logical strategy', () => {
    expect(() =>
      plan(
        input([aWorkload('orders').withReplica().build()], {
          options: { consistency: 'app', strategy: 'replica' },
        }),
      ),
    ).toThrow('strategy replica cannot be combined with it');
  });
});
