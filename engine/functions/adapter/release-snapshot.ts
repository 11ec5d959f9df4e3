import { z } from 'zod';
import type { DatabaseAdapter } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';

/** `<engine>.releaseSnapshot`: release a pinned snapshot; null or already released is a no-op. */
export function releaseSnapshotFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.releaseSnapshot`,
    description: `Release a snapshot pinned by ${adapter.engine}.pinSnapshot (idempotent).`,
    engine: adapter.engine,
    args: z.strictObject({ snapshot: z.string().nullable() }),
    outputs: [],
    async exec(args, ctx) {
      if (args.snapshot !== null) await ctx.handles.release(args.snapshot);
      return {};
    },
  });
}
