import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../../engine/errors.ts';
import { evaluateCondition, renderString, renderValue } from '../../../engine/blueprint/template/evaluate.ts';
import { parseExpression } from '../../../engine/blueprint/template/parse-expression.ts';

const context = {
  workload: {
    name: 'orders',
    engine: 'postgres',
    databases: ['orders', 'billing'],
    replicas: [{ host: 'orders-1', port: 5432 }],
    annotations: { 'lifeboat.dev/strategy': 'replica' },
    owner: null,
  },
  backup: { id: 'b-1', strategy: 'freeze-snapshot' },
  phases: {
    freeze: { status: 'skipped', output: { fence: null } },
    cli: { status: 'succeeded', output: { stdout: 'dir\r\n/var/lib/redis\r\n  42 \n' } },
  },
  options: { parallelism: 4, force: false },
};

describe('renderString', () => {
  it.each([
    ['${{ workload.name }}', 'orders'],
    ['${{ workload.databases }}', ['orders', 'billing']],
    ['${{ options.parallelism }}', 4],
    ['  ${{ options.force }}  ', false],
    ['db-${{ workload.name }}-${{ options.parallelism }}', 'db-orders-4'],
    ['${{ workload.databases[1] }}', 'billing'],
    ['${{ workload.replicas[0].host }}', 'orders-1'],
    ["${{ workload.annotations['lifeboat.dev/strategy'] }}", 'replica'],
    ['${{ workload.databases[5] }}', null],
    ['${{ workload.owner.name }}', null],
    ["${{ join(workload.databases, ' ') }}", 'orders billing'],
    ['${{ join(workload.databases) }}', 'orders,billing'],
    ['${{ toJson(workload.databases) }}', '["orders","billing"]'],
    ["${{ default(phases.freeze.output.fence, 'none') }}", 'none'],
    ["${{ contains(workload.databases, 'billing') }}", true],
    ["${{ backup.strategy == 'freeze-snapshot' && !options.force }}", true],
    ["${{ backup.strategy != 'freeze-snapshot' || 'x' }}", 'x'],
    ['${{ (1 == 1) && (2 != 3) }}', true],
    ["${{ 'it''s' }}", "it's"],
    ['${{ "}}" }}', '}}'],
    ['dbs=${{ workload.databases }}', 'dbs=["orders","billing"]'],
    ['no template here', 'no template here'],
    ['${{ null }}x', 'x'],
    ['${{ -1.5 }}', -1.5],
    ['${{ workload.databases.length }}', 2],
    ['${{ lines(phases.cli.output.stdout) }}', ['dir', '/var/lib/redis', '  42 ']],
    ['${{ lines(phases.cli.output.stdout)[1] }}/dump.rdb', '/var/lib/redis/dump.rdb'],
    ["${{ trim(lines(phases.cli.output.stdout)[2]) == '42' }}", true],
    ["${{ lines('') }}", []],
    ['${{ lines(phases.cli.output.stdout)[9] }}', null],
  ])('%s → %j', (template, expected) => {
    expect(renderString(template, context)).toEqual(expected);
  });

  it('names an unknown key, the phase, the blueprint and the known keys', () => {
    expect(() =>
      renderString('${{ workload.pvc }}', context, { phase: 'snapshot', blueprint: 'pg-freeze' }),
    ).toThrow(
      'unknown key `workload.pvc` in phase "snapshot" of blueprint "pg-freeze": known keys under workload: name, engine, databases, replicas, annotations, owner',
    );
  });

  it('reports the key on the TemplateError', () => {
    try {
      renderString('x ${{ phases.dump.output.markers }}', context, { phase: 'p' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      const e = error as TemplateError;
      expect(e.key).toBe('phases.dump');
      expect(e.phase).toBe('p');
      expect(e.message).toContain('known keys under phases: freeze');
    }
  });

  it.each([
    ['${{ workload.name', "'${{' is not closed"],
    ['${{ }}', 'empty expression'],
    ['${{ workload. }}', "expected a key after '.'"],
    ['${{ a == }}', 'unexpected end of expression'],
    ['${{ process.exit(1) }}', "unexpected '('"],
    ['${{ eval("x") }}', "unknown function 'eval'"],
    ['${{ join() }}', 'wrong number of arguments'],
    ['${{ a + b }}', "unexpected character '+'"],
    ["${{ 'open }}", 'not closed'],
  ])('%s is rejected: %s', (template, message) => {
    expect(() => renderString(template, { a: 1, b: 2, process: {} })).toThrow(TemplateError);
    expect(() => renderString(template, { a: 1, b: 2, process: {} })).toThrow(message);
  });
});

describe('renderValue', () => {
  it('renders nested lists and maps, keeping keys literal', () => {
    expect(
      renderValue(
        { '${{ x }}': ['${{ workload.name }}', { n: '${{ options.parallelism }}' }], k: 3 },
        context,
      ),
    ).toEqual({ '${{ x }}': ['orders', { n: 4 }], k: 3 });
  });
});

describe('evaluateCondition', () => {
  it.each([
    [true, true],
    [false, false],
    ["backup.strategy == 'freeze-snapshot'", true],
    ["${{ backup.strategy == 'logical' }}", false],
    ["phases.freeze.status == 'succeeded'", false],
    ['workload.owner', false],
    ['workload.databases', true],
  ])('%s → %s', (condition, expected) => {
    expect(evaluateCondition(condition, context)).toBe(expected);
  });
});

describe('parseExpression', () => {
  it('never executes anything: it only builds a tree', () => {
    expect(parseExpression("a.b[0]['c'] == 'x'")).toMatchObject({ type: 'binary', op: '==' });
  });

  it('survives random input without crashing (fuzz)', () => {
    const alphabet = 'ab.[]()\'"=!&|,0123 ${}-_x';
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(random() * 20);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet.charAt(Math.floor(random() * alphabet.length));
      try {
        renderString(`\${{ ${text} }}`, { a: { b: [1] }, x: 'y' });
        renderString(text, { a: { b: [1] }, x: 'y' });
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateError);
      }
    }
  });
});
