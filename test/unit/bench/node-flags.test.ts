import { describe, expect, it } from 'vitest';
import { cliNodeFlags } from '../../../bench/_node-flags.ts';

describe('benchmark Node options', () => {
  it('are those of the shipped lifeboat command (its shebang)', () => {
    // The CLI caps V8's young generation: it measured ~215 MiB instead of ~309 MiB peak RSS
    // on a 2-stream PostgreSQL dump at the same CPU time (adapters/postgres/README.md).
    expect(cliNodeFlags()).toEqual(['--max-semi-space-size=4']);
  });

  it('parse env -S shebangs and plain ones', () => {
    expect(cliNodeFlags('#!/usr/bin/env -S node --a=1 --b\n')).toEqual(['--a=1', '--b']);
    expect(cliNodeFlags('#!/usr/bin/env node\n')).toEqual([]);
    expect(cliNodeFlags('// no shebang\n')).toEqual([]);
  });
});
