import { describe, expect, it } from 'vitest';
import { loadBlueprintText } from '../../../engine/blueprint/index.ts';
import { buildRegistry } from '../../../engine/functions/index.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { plan } from '../../../engine/planner/index.ts';
import { aWorkload, fakeAdapters } from '../functions/fakes.ts';

const registry = buildRegistry(fakeAdapters());
const redis: Workload = { ...aWorkload('cache').build(), engine: 'redis' };
const blueprint = (func: string) =>
  loadBlueprintText(
    `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: my-redis }
spec:
  engine: redis
  actions:
    backup:
      phases:
        - { name: save, func: ${func}, args: {} }
`,
    'my-redis.yaml',
  );
const planWith = (byEngine: Record<string, ReturnType<typeof blueprint>>) =>
  plan({
    application: { name: 'cache', workloads: [redis] },
    blueprintsByEngine: byEngine,
    capabilitiesByEngine: {},
    registry,
    backup: { id: 'b', startedAt: '2026-01-01T00:00:00Z' },
  });

describe('a workload whose engine has no adapter', () => {
  it('is planned with its blueprint of generic functions, as a logical capture', () => {
    const p = planWith({ redis: blueprint('sleep') });
    expect(p.members[0]).toMatchObject({ strategy: 'logical', blueprint: { name: 'my-redis' } });
  });

  it('is refused without a blueprint for its engine, saying what to give', () => {
    expect(() => planWith({})).toThrow(/no adapter for redis; give a blueprint with `spec.engine: redis`/);
  });

  it("is refused when its blueprint calls an adapter's function", () => {
    expect(() => planWith({ redis: blueprint('postgres.dump') })).toThrow(
      /may call only generic functions .*phase "save" of blueprint "my-redis" calls postgres.dump/,
    );
  });
});
