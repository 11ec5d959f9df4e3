import { z } from 'zod';
import type { CutSession, DatabaseAdapter } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { CUT_SESSION_HANDLE } from './handles.ts';

/**
 * `<engine>.prepareCut`: open what the cross-service cut needs for this member before the
 * first fence (adapter's `prepareCut`; adapters without one get a session that simply
 * calls `freeze` and `pinSnapshot`). Its handle is passed as `session` to both.
 */
export function prepareCutFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.prepareCut`,
    description: `Open the ${adapter.engine} connections a consistent cut uses, before any fence is taken.`,
    engine: adapter.engine,
    args: z.strictObject({}),
    outputs: ['session'],
    async exec(_args, ctx) {
      const session: CutSession = adapter.prepareCut
        ? await adapter.prepareCut(ctx.workload, ctx.signal)
        : {
            freeze: (options) => adapter.freeze(ctx.workload, options),
            pinSnapshot: (signal) => adapter.pinSnapshot(ctx.workload, signal),
            close: () => Promise.resolve(),
          };
      return { session: ctx.handles.put(CUT_SESSION_HANDLE, session, () => session.close()) };
    },
  });
}
