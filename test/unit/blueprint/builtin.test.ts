import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTEXT_SHAPE, buildTemplateContext, type Shape } from '../../../engine/blueprint/context.ts';
import {
  blueprintsByEngine,
  builtinBlueprintsDir,
  loadBuiltinBlueprints,
} from '../../../engine/blueprint/load.ts';
import { blueprintJsonSchema } from '../../../engine/blueprint/schema.ts';
import { buildRegistry } from '../../../engine/functions/index.ts';
import { aWorkload, anApplication, fakeAdapters } from '../functions/fakes.ts';

describe('built-in blueprints', () => {
  it('all validate against the schema and a registry with every engine', async () => {
    const loaded = await loadBuiltinBlueprints({ registry: buildRegistry(fakeAdapters()) });
    expect(loaded.map((l) => l.blueprint.metadata.name).sort()).toEqual([
      'cassandra',
      'mongodb',
      'mysql',
      'postgres',
    ]);
    const byEngine = blueprintsByEngine(loaded);
    for (const engine of ['postgres', 'mysql', 'mongodb', 'cassandra'] as const) {
      const actions = byEngine[engine]?.blueprint.spec.actions;
      expect(Object.keys(actions ?? {}).sort()).toEqual(['backup', 'restore', 'verify']);
    }
  });

  it('loads only the engines a registry covers when asked', async () => {
    const postgresOnly = fakeAdapters().filter((a) => a.engine === 'postgres');
    const loaded = await loadBuiltinBlueprints({
      registry: buildRegistry(postgresOnly),
      engines: ['postgres'],
    });
    expect(loaded.map((l) => l.blueprint.spec.engine)).toEqual(['postgres']);
  });

  it('fail validation without the engine adapter (a missing adapter is not silently accepted)', async () => {
    const postgresOnly = fakeAdapters().filter((a) => a.engine === 'postgres');
    await expect(loadBuiltinBlueprints({ registry: buildRegistry(postgresOnly) })).rejects.toThrow(
      /unknown function `mysql\.probe`/,
    );
  });
});

describe('blueprints/schema/blueprint.schema.json', () => {
  it('is up to date with the zod schema (regenerate: node engine/blueprint/write-json-schema.ts)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(join(builtinBlueprintsDir(), 'schema', 'blueprint.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(blueprintJsonSchema());
  });
});

describe('template context', () => {
  it('has exactly the keys CONTEXT_SHAPE documents, and no credentials', () => {
    const workload = aWorkload('orders').withReplica().build();
    const context = buildTemplateContext({
      workload,
      application: anApplication('shop', [workload]),
      backup: { id: 'b1', startedAt: '2026-01-01T00:00:00Z', strategy: 'logical' },
      options: { parallelism: 2, force: false, rename: {}, freezeDeadline: '30s', params: {} },
      phases: {},
    });
    const check = (value: unknown, shape: Shape, path: string): void => {
      if (shape.kind === 'object' && value !== null) {
        expect(Object.keys(value as object).sort(), path).toEqual(Object.keys(shape.fields).sort());
        for (const [key, sub] of Object.entries(shape.fields))
          check((value as Record<string, unknown>)[key], sub, `${path}.${key}`);
      }
      if (shape.kind === 'list') for (const item of value as unknown[]) check(item, shape.of, `${path}[]`);
    };
    for (const [key, shape] of Object.entries(CONTEXT_SHAPE)) check(context[key], shape, key);
    expect(Object.keys(context).sort()).toEqual([...Object.keys(CONTEXT_SHAPE), 'phases'].sort());
    expect(JSON.stringify(context)).not.toContain('hunter2');
  });
});
