import { z } from 'zod';
import type { DatabaseAdapter, PhysicalBackupSession } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { BACKUP_MODE_HANDLE } from './handles.ts';

/** `<engine>.backupStop`: end the physical backup mode (inside the fence, after the cut). */
export function backupStopFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.backupStop`,
    description: `End the ${adapter.engine} physical backup mode taken by ${adapter.engine}.backupStart.`,
    engine: adapter.engine,
    args: z.strictObject({ session: z.string() }),
    outputs: ['stoppedAt'],
    async exec(args, ctx) {
      await (ctx.handles.get(BACKUP_MODE_HANDLE, args.session) as PhysicalBackupSession).stop();
      return { stoppedAt: new Date().toISOString() };
    },
  });
}
