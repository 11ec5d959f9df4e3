import { z } from 'zod';
import type { DatabaseAdapter } from '../../../adapters/types.ts';
import { DURATION_PATTERN, parseDuration } from '../../blueprint/duration.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { FENCE_HANDLE } from './handles.ts';

/** `<engine>.freeze`: block writes until `<engine>.thaw` (or the deadline) releases them. */
export function freezeFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.freeze`,
    description: `Block writes on the ${adapter.engine} workload with a hard deadline; release with ${adapter.engine}.thaw in deferPhase.`,
    engine: adapter.engine,
    args: z.strictObject({
      deadline: z.string().regex(DURATION_PATTERN, 'must be a duration such as 30s').default('30s'),
    }),
    outputs: ['fence', 'acquiredAt'],
    async exec(args, ctx) {
      const fence = await adapter.freeze(ctx.workload, {
        deadlineMs: parseDuration(args.deadline),
        signal: ctx.signal,
      });
      const id = ctx.handles.put(FENCE_HANDLE, fence, () => fence.release());
      return { fence: id, acquiredAt: new Date(fence.acquiredAt).toISOString() };
    },
  });
}
