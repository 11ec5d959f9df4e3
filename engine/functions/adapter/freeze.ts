import { z } from 'zod';
import type { CutSession, DatabaseAdapter } from '../../../adapters/types.ts';
import { DURATION_PATTERN, parseDuration } from '../../blueprint/duration.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { CUT_SESSION_HANDLE, FENCE_HANDLE } from './handles.ts';

/** `<engine>.freeze`: block writes until `<engine>.thaw` (or the deadline) releases them. */
export function freezeFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.freeze`,
    description: `Block writes on the ${adapter.engine} workload with a hard deadline; release with ${adapter.engine}.thaw in deferPhase.`,
    engine: adapter.engine,
    args: z.strictObject({
      deadline: z.string().regex(DURATION_PATTERN, 'must be a duration such as 30s').default('30s'),
      session: z.string().optional().describe('handle from prepareCut: fence on its prepared session'),
    }),
    outputs: ['fence', 'acquiredAt'],
    async exec(args, ctx) {
      const options = { deadlineMs: parseDuration(args.deadline), signal: ctx.signal };
      const fence = args.session
        ? await (ctx.handles.get(CUT_SESSION_HANDLE, args.session) as CutSession).freeze(options)
        : await adapter.freeze(ctx.workload, options);
      const id = ctx.handles.put(FENCE_HANDLE, fence, () => fence.release());
      return { fence: id, acquiredAt: new Date(fence.acquiredAt).toISOString() };
    },
  });
}
