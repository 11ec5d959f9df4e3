import { z } from 'zod';
import { STRATEGIES, type DatabaseAdapter, type PinnedSnapshot } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { SNAPSHOT_HANDLE } from './handles.ts';

/** `<engine>.dump`: stream the workload's databases into the member's artifacts. */
export function dumpFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.dump`,
    description: `Capture the ${adapter.engine} workload into the repository (fingerprint from the same snapshot).`,
    engine: adapter.engine,
    args: z.strictObject({
      strategy: z.enum(STRATEGIES).default('logical'),
      parallelism: z.int().min(1).max(64).default(1),
      snapshot: z.string().nullable().optional().describe('handle from pinSnapshot: dump from that snapshot'),
    }),
    outputs: ['markers', 'fingerprint', 'details'],
    async exec(args, ctx) {
      const snapshot =
        args.snapshot == null
          ? undefined
          : (ctx.handles.get(SNAPSHOT_HANDLE, args.snapshot) as PinnedSnapshot);
      const result = await adapter.dump(ctx.workload, await ctx.artifacts.sink(), {
        strategy: args.strategy,
        parallelism: args.parallelism,
        signal: ctx.signal,
        progress: ctx.progress,
        ...(snapshot && { snapshot }),
      });
      return {
        markers: result.markers.map((m) => ({ kind: m.kind, value: m.value })),
        fingerprint: result.fingerprint,
        details: { ...result.details },
      };
    },
  });
}
