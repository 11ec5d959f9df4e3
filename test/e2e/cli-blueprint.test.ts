/** `lifeboat blueprint lint|render` as a user runs them (no servers needed). */
import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');
const cli = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [CLI, ...args], { reject: false, env });

describe('lifeboat blueprint', () => {
  it('lint passes the shipped PostgreSQL and MySQL blueprints', async () => {
    const result = await cli(['blueprint', 'lint', 'blueprints/postgres.yaml', 'blueprints/mysql.yaml']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
  });

  it('lint reports every problem as file:line:col  path  message and exits 1', async () => {
    const file = 'test/unit/blueprint/corpus/unknown-function.yaml.in';
    const result = await cli(['blueprint', 'lint', file]);
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(/^test\/unit\/blueprint\/corpus\/unknown-function\.yaml\.in:\d+:\d+ {2}\S+ {2}.+/);
  });

  it('render shows the rendered args and never the password', async () => {
    const result = await cli(
      [
        'blueprint',
        'render',
        'blueprints/postgres.yaml',
        '--db',
        'orders=postgres://app@db:5432/orders',
        '--strategy',
        'freeze-snapshot',
      ],
      { LIFEBOAT_DB_PASSWORD: 'hunter2-secret' },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('func: postgres.freeze');
    expect(result.stdout).toContain('strategy: freeze-snapshot');
    expect(result.stdout).toContain('fence: <phases.freeze.output.fence>');
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
  });
});
