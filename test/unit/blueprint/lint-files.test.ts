import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinBlueprintsDir, lintBlueprintFiles } from '../../../engine/blueprint/index.ts';
import { buildRegistry } from '../../../engine/functions/index.ts';
import { fakeAdapters } from '../functions/fakes.ts';

describe('lintBlueprintFiles', () => {
  it('reports every file, including unreadable ones, without throwing', async () => {
    const corpus = join(import.meta.dirname, 'corpus');
    const { lines } = await lintBlueprintFiles(
      [
        join(builtinBlueprintsDir(), 'postgres.yaml'),
        join(corpus, 'unknown-function.yaml.in'),
        '/nonexistent.yaml',
      ],
      buildRegistry(fakeAdapters()),
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `${join(corpus, 'unknown-function.yaml.in')}:10:17  spec.actions.backup.phases[0].func  unknown function \`postgres.dumb\`; did you mean \`postgres.dump\`?`,
    );
    expect(lines[1]).toMatch(/^\/nonexistent\.yaml:0:0 {2}\. {2}cannot read: ENOENT/);
  });
});
