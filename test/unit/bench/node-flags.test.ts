import { describe, expect, it } from 'vitest';
import { cliNodeEnv, cliNodeFlags } from '../../../bench/_node-flags.ts';

describe('benchmark Node options', () => {
  it('are those of the shipped lifeboat command (its shebang)', () => {
    // The CLI caps V8's young generation: it measured ~215 MiB instead of ~309 MiB peak RSS
    // on a 2-stream PostgreSQL dump at the same CPU time (adapters/postgres/README.md).
    expect(cliNodeFlags()).toEqual(['--max-semi-space-size=4']);
    // Two malloc arenas: 237 MiB instead of 277 MiB on a 2-stream MariaDB dump
    // (adapters/mysql/README.md).
    expect(cliNodeEnv()).toEqual({ MALLOC_ARENA_MAX: '2' });
  });

  it('parse env -S shebangs and plain ones', () => {
    expect(cliNodeFlags('#!/usr/bin/env -S node --a=1 --b\n')).toEqual(['--a=1', '--b']);
    expect(cliNodeFlags('#!/usr/bin/env -S A=1 B=x=y node --a=1\n')).toEqual(['--a=1']);
    expect(cliNodeEnv('#!/usr/bin/env -S A=1 B=x=y node --a=1\n')).toEqual({ A: '1', B: 'x=y' });
    expect(cliNodeFlags('#!/usr/bin/env node\n')).toEqual([]);
    expect(cliNodeEnv('#!/usr/bin/env node\n')).toEqual({});
    expect(cliNodeFlags('// no shebang\n')).toEqual([]);
  });
});
