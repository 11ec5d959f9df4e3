import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../blueprint/duration.ts';
import { CancelledError, LifeboatError, UsageError } from '../errors.ts';
import { defineFunction } from './define-function.ts';
import { execFunction, processArgs } from './exec.ts';

function regex(source: string, field: string, phase: string): RegExp {
  try {
    return new RegExp(source, 'm');
  } catch (error) {
    throw new UsageError(`waitFor: ${field} is not a regular expression: ${(error as Error).message}`, {
      phase,
    });
  }
}

/**
 * Poll a local process until its stdout says a condition holds (a background save has
 * finished, a server is ready). Each attempt runs like `exec` (argv, no shell; credentials
 * by environment). The phase's `timeout` bounds the wait; without one it waits forever, so
 * blueprints should set it.
 */
export const waitForFunction = defineFunction({
  name: 'waitFor',
  description:
    'Run a command every `interval` until its stdout matches `until` (a regular expression, multiline); fail at once if that output also matches `failIf`.',
  args: z.strictObject({
    ...processArgs,
    until: z.string().min(1).describe('regular expression the output must match to stop waiting'),
    failIf: z
      .string()
      .min(1)
      .optional()
      .describe('regular expression that, matching the final output, means the awaited thing failed'),
    interval: z
      .string()
      .regex(DURATION_PATTERN, 'must be a duration such as 500ms')
      .default('1s')
      .describe('pause between attempts'),
    stdin: z.string().optional().describe('text written to stdin on every attempt'),
  }),
  outputs: ['stdout', 'attempts', 'waitedMs'],
  async exec(args, ctx) {
    const until = regex(args.until, 'until', ctx.where.phase);
    const failIf = args.failIf === undefined ? undefined : regex(args.failIf, 'failIf', ctx.where.phase);
    const intervalMs = parseDuration(args.interval);
    const started = Date.now();
    for (let attempts = 1; ; attempts++) {
      const out = await execFunction.exec(
        {
          command: args.command,
          env: args.env,
          credentialsEnv: args.credentialsEnv,
          ...(args.stdin !== undefined && { stdin: args.stdin }),
        },
        ctx,
      );
      const stdout = typeof out.stdout === 'string' ? out.stdout : '';
      if (until.test(stdout)) {
        const failed = failIf?.exec(stdout);
        if (failed)
          throw new LifeboatError(`waitFor: the output matched failIf /${args.failIf}/: ${failed[0]}`, {
            phase: ctx.where.phase,
          });
        return { stdout, attempts, waitedMs: Date.now() - started };
      }
      try {
        await delay(intervalMs, undefined, { signal: ctx.signal });
      } catch (error) {
        if (ctx.signal.aborted)
          throw new CancelledError(
            `waitFor interrupted after ${attempts} attempt(s); last output: ${stdout.slice(-200)}`,
            {
              cause: error,
            },
          );
        throw error;
      }
    }
  },
});
