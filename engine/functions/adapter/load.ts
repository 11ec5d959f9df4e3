import { z } from 'zod';
import type { DatabaseAdapter } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';

/** `<engine>.load`: restore the member's artifacts into the workload (the target). */
export function loadFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.load`,
    description: `Restore a capture into the ${adapter.engine} workload; refuses a non-empty target unless force.`,
    engine: adapter.engine,
    args: z.strictObject({
      rename: z.record(z.string(), z.string()).default({}).describe('original database → target database'),
      force: z.boolean().default(false),
      parallelism: z.int().min(1).max(64).default(1),
      withUsers: z
        .boolean()
        .default(false)
        .describe('also recreate the captured accounts and grants (MySQL users.sql)'),
    }),
    outputs: [],
    async exec(args, ctx) {
      await adapter.load(ctx.workload, await ctx.artifacts.source(), {
        rename: args.rename,
        force: args.force,
        parallelism: args.parallelism,
        withUsers: args.withUsers,
        signal: ctx.signal,
        progress: ctx.progress,
      });
      return {};
    },
  });
}
