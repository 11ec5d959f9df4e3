import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { CancelledError } from '../errors.ts';
import { DURATION_PATTERN, parseDuration } from '../blueprint/duration.ts';
import { defineFunction } from './define-function.ts';

/** Wait for a duration (settling time between phases); stops at once on abort. */
export const sleepFunction = defineFunction({
  name: 'sleep',
  description: 'Wait for a duration, e.g. to let replication settle.',
  args: z.strictObject({ duration: z.string().regex(DURATION_PATTERN, 'must be a duration such as 5s') }),
  outputs: [],
  async exec(args, ctx) {
    try {
      await delay(parseDuration(args.duration), undefined, { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw new CancelledError('sleep interrupted', { cause: error });
      throw error;
    }
    return {};
  },
});
