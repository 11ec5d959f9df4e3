import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { DatabaseAdapter } from '../../../adapters/types.ts';
import { UsageError } from '../../errors.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';

/**
 * `<engine>.restoreDataDir`: unpack a physical capture (`replica-snapshot`) into an empty
 * data directory, ready for a server to start on it (adapter's `restoreDataDir`). Outputs
 * the directory and the steps left to the user (ownership, starting the server).
 */
export function restoreDataDirFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.restoreDataDir`,
    description: `Unpack a physical ${adapter.engine} capture into an empty data directory; refuses a non-empty one unless force.`,
    engine: adapter.engine,
    args: z.strictObject({
      dataDir: z
        .string()
        .nullable()
        .describe('absolute path of the target data directory (null: none was given)'),
      force: z.boolean().default(false),
    }),
    outputs: ['dataDir', 'nextSteps'],
    async exec(args, ctx) {
      const member = ctx.workload.name;
      if (args.dataDir === null || args.dataDir === '') {
        throw new UsageError(
          `member "${member}" is a physical copy of a data directory: restore it into an empty directory with --to ${member}=file:///path/to/datadir`,
          { workload: member, phase: ctx.where.phase },
        );
      }
      if (!isAbsolute(args.dataDir)) {
        throw new UsageError(`member "${member}": data directory ${args.dataDir} is not an absolute path`, {
          workload: member,
          phase: ctx.where.phase,
        });
      }
      if (!adapter.restoreDataDir) {
        throw new UsageError(
          `member "${member}": the ${adapter.engine} adapter cannot restore a data directory`,
          { workload: member, phase: ctx.where.phase },
        );
      }
      const restored = await adapter.restoreDataDir(await ctx.artifacts.source(), args.dataDir, {
        force: args.force,
        signal: ctx.signal,
        progress: ctx.progress,
      });
      return { dataDir: args.dataDir, nextSteps: [...restored.nextSteps] };
    },
  });
}
