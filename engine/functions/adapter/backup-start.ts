import { z } from 'zod';
import type { DatabaseAdapter, PhysicalBackupSession } from '../../../adapters/types.ts';
import { DURATION_PATTERN, parseDuration } from '../../blueprint/duration.ts';
import { UsageError } from '../../errors.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { BACKUP_MODE_HANDLE } from './handles.ts';

/** `<engine>.backupStart`: enter the physical backup mode held while volumes are snapshotted. */
export function backupStartFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.backupStart`,
    description: `Enter the ${adapter.engine} physical backup mode (before the fence); ended by ${adapter.engine}.backupStop.`,
    engine: adapter.engine,
    args: z.strictObject({
      label: z.string().min(1).max(200),
      deadline: z.string().regex(DURATION_PATTERN, 'must be a duration such as 30s').default('30s'),
    }),
    outputs: ['session'],
    async exec(args, ctx) {
      if (!adapter.startBackupMode) {
        throw new UsageError(`the ${adapter.engine} adapter has no physical backup mode`, {
          workload: ctx.workload.name,
          phase: ctx.where.phase,
        });
      }
      const session: PhysicalBackupSession = await adapter.startBackupMode(ctx.workload, {
        label: args.label,
        deadlineMs: parseDuration(args.deadline),
        signal: ctx.signal,
      });
      return { session: ctx.handles.put(BACKUP_MODE_HANDLE, session, () => session.abort()) };
    },
  });
}
