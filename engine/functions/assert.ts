import { z } from 'zod';
import { LifeboatError } from '../errors.ts';
import { defineFunction } from './define-function.ts';

/**
 * Stop the action unless a condition holds: checks of a command's output that a blueprint
 * needs before going on (a server replied OK, a target is empty). `that` is usually a
 * template such as `${{ contains(phases.save.output.stdout, 'started') }}`; it must render to
 * a boolean, so a typo cannot pass as a truthy string.
 */
export const assertFunction = defineFunction({
  name: 'assert',
  description: 'Fail with `message` unless `that` is true.',
  args: z.strictObject({
    that: z.boolean().describe('the condition, usually a template expression'),
    message: z.string().min(1).describe('why the action stops when the condition is false'),
    retryable: z
      .boolean()
      .default(false)
      .describe("whether the phase's `retries` may repeat it (for conditions that may change)"),
  }),
  outputs: [],
  exec(args, ctx) {
    if (args.that) return Promise.resolve({});
    return Promise.reject(
      new LifeboatError(args.message, { phase: ctx.where.phase, retryable: args.retryable }),
    );
  },
});
