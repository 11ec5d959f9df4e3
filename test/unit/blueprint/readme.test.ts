import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTEXT_SHAPE } from '../../../engine/blueprint/context.ts';
import { builtinBlueprintsDir } from '../../../engine/blueprint/load.ts';
import { ADAPTER_FUNCTION_FACTORIES } from '../../../engine/functions/adapter/index.ts';
import { GENERIC_FUNCTIONS } from '../../../engine/functions/index.ts';
import { fakeAdapter } from '../functions/fakes.ts';

const readme = readFileSync(join(builtinBlueprintsDir(), 'README.md'), 'utf8');

describe('blueprints/README.md stays in step with the code', () => {
  it('documents every generic function and every adapter function', () => {
    for (const fn of GENERIC_FUNCTIONS) expect(readme).toContain(`\`${fn.name}\``);
    for (const factory of ADAPTER_FUNCTION_FACTORIES) {
      const op = factory(fakeAdapter('postgres')).name.replace('postgres.', '');
      expect(readme).toContain(`\`<engine>.${op}\``);
    }
  });

  it('documents every key of the template context', () => {
    for (const [root, shape] of Object.entries(CONTEXT_SHAPE)) {
      if (shape.kind !== 'object') continue;
      for (const key of Object.keys(shape.fields))
        expect(readme, `${root}.${key}`).toMatch(new RegExp(`${key}\\b`));
    }
  });
});
