#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
/**
 * Entry point of the `lifeboat` CLI. Exit codes: 0 ok, 1 failed, 2 bad usage.
 * Errors print as one line; `--debug` adds the stack and causes.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.ts';
import { LifeboatError, UsageError } from '../errors.ts';

async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version "errors" are normal exits
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return 0;
      return 2;
    }
    process.stderr.write(`lifeboat: ${formatError(error, debug)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function formatError(error: unknown, debug: boolean): string {
  if (!(error instanceof Error)) return String(error);
  if (!debug) return error.message;
  const lines = [error.stack ?? error.message];
  let cause = error.cause;
  while (cause instanceof Error) {
    lines.push(`caused by: ${cause.stack ?? cause.message}`);
    cause = cause.cause;
  }
  if (error instanceof LifeboatError && error.retryable) lines.push('(retryable)');
  return lines.join('\n');
}

process.exitCode = await main(process.argv.slice(2));
