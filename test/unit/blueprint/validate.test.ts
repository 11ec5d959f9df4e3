import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateBlueprint } from '../../../engine/blueprint/validate.ts';
import { loadBlueprintText } from '../../../engine/blueprint/load.ts';
import { InvalidBlueprintError } from '../../../engine/blueprint/invalid-blueprint-error.ts';
import { buildRegistry } from '../../../engine/functions/index.ts';
import { fakeAdapters } from '../functions/fakes.ts';

const registry = buildRegistry(fakeAdapters());
const corpus = join(import.meta.dirname, 'corpus');

describe('broken blueprint corpus: every file reports exactly its expected errors', () => {
  // Files are named .yaml.in so formatters leave these deliberately broken files alone.
  // Each file ends with `# expect: line:col  path  message` lines (comments after the
  // document, so they do not move the positions they describe).
  it.each(readdirSync(corpus).filter((f) => f.endsWith('.yaml.in')))('%s', (file) => {
    const text = readFileSync(join(corpus, file), 'utf8');
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => `${file}:${m[1] ?? ''}`);
    expect(expected.length).toBeGreaterThan(0);
    const result = validateBlueprint(text, { file, registry });
    expect(result.errors.map((e) => e.format())).toEqual(expected);
    expect(result.blueprint).toBeUndefined();
  });
});

const valid = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: redis-rdb }
spec:
  engine: any
  actions:
    backup:
      phases:
        - name: save
          func: exec
          args:
            command: [redis-cli, -h, "\${{ workload.primary.host }}", BGSAVE]
            credentialsEnv: { REDISCLI_AUTH: password }
          timeout: 30s
          retries: 2
        - name: copy
          if: \${{ phases.save.status == 'succeeded' && phases.save.output.exitCode == 0 }}
          func: exec
          args:
            command: [cat, "/data/\${{ workload.name }}/dump.rdb"]
            stdoutTo: dump.rdb
      deferPhase:
        name: note
        func: exec
        args:
          command: [echo, "\${{ phases.copy.output.bytes }}", "\${{ join(workload.databases, ',') }}"]
`;

describe('validateBlueprint', () => {
  it('accepts a valid blueprint and returns it typed', () => {
    const result = validateBlueprint(valid, { registry });
    expect(result.errors.map((e) => e.format())).toEqual([]);
    expect(result.blueprint?.spec.actions.backup?.phases.map((p) => p.name)).toEqual(['save', 'copy']);
  });

  it('lets a deferPhase read any phase of its action', () => {
    expect(validateBlueprint(valid, { registry }).errors).toHaveLength(0);
  });

  it('checks only the schema and templates without a registry', () => {
    const result = validateBlueprint(valid.replace('func: exec', 'func: notRegistered'));
    expect(result.errors).toHaveLength(0);
  });

  it('carries the blueprint name on each error', () => {
    const [error] = validateBlueprint(valid.replace('func: exec', 'func: exek'), { registry }).errors;
    expect(error?.blueprint).toBe('redis-rdb');
    expect(error?.format()).toBe(
      '<input>:10:17  spec.actions.backup.phases[0].func  unknown function `exek`; did you mean `exec`?',
    );
  });

  it('loadBlueprintText throws one InvalidBlueprintError listing every problem', () => {
    const broken = valid.replace('func: exec', 'func: exek').replace('timeout: 30s', 'timeout: soon');
    try {
      loadBlueprintText(broken, 'redis.yaml', registry);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidBlueprintError);
      const e = error as InvalidBlueprintError;
      expect(e.errors.map((x) => x.format())).toHaveLength(2);
      expect(e.message).toContain('redis.yaml:10:17');
      expect(e.message).toContain('redis.yaml:14:20');
    }
  });

  it('survives random mutations of a valid blueprint without throwing (fuzz)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = ['${{', '}}', ':', '-', '[', '{', '"', "'", '\n', '  ', 'phases.', '#', '!', '&a', '*a'];
    for (let i = 0; i < 300; i++) {
      let text = valid;
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(random() * text.length);
        const piece = pieces[Math.floor(random() * pieces.length)] ?? '';
        text =
          random() < 0.5
            ? text.slice(0, at) + piece + text.slice(at)
            : text.slice(0, at) + text.slice(at + 2);
      }
      const result = validateBlueprint(text, { registry });
      for (const error of result.errors) expect(error.format()).toMatch(/^<input>:\d+:\d+ {2}/);
    }
  });
});
