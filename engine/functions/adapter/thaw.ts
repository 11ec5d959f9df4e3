import { z } from 'zod';
import type { DatabaseAdapter, Fence } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { FENCE_HANDLE } from './handles.ts';

/** `<engine>.thaw`: release a fence from `<engine>.freeze`; a null fence (freeze skipped) is a no-op. */
export function thawFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.thaw`,
    description: `Release the write fence taken by ${adapter.engine}.freeze (idempotent; null is a no-op).`,
    engine: adapter.engine,
    args: z.strictObject({ fence: z.string().nullable() }),
    outputs: ['heldMs'],
    async exec(args, ctx) {
      if (args.fence === null || !ctx.handles.held().includes(args.fence)) return { heldMs: null };
      const fence = ctx.handles.get(FENCE_HANDLE, args.fence) as Fence;
      await ctx.handles.release(args.fence);
      return { heldMs: Date.now() - fence.acquiredAt };
    },
  });
}
