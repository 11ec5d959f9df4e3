import { z } from 'zod';
import type { CutSession, DatabaseAdapter } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { CUT_SESSION_HANDLE, SNAPSHOT_HANDLE } from './handles.ts';

/** `<engine>.pinSnapshot`: pin a snapshot that later dumps read from; released by releaseSnapshot. */
export function pinSnapshotFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.pinSnapshot`,
    description: `Pin a consistent snapshot on the ${adapter.engine} workload and record its markers.`,
    engine: adapter.engine,
    args: z.strictObject({
      session: z.string().optional().describe('handle from prepareCut: pin on its prepared connections'),
    }),
    outputs: ['snapshot', 'markers'],
    async exec(args, ctx) {
      const snapshot = args.session
        ? await (ctx.handles.get(CUT_SESSION_HANDLE, args.session) as CutSession).pinSnapshot(ctx.signal)
        : await adapter.pinSnapshot(ctx.workload, ctx.signal);
      const id = ctx.handles.put(SNAPSHOT_HANDLE, snapshot, () => snapshot.release());
      return { snapshot: id, markers: snapshot.markers.map((m) => ({ kind: m.kind, value: m.value })) };
    },
  });
}
