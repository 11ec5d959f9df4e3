import { z } from 'zod';
import type { DatabaseAdapter, PinnedSnapshot } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';
import { SNAPSHOT_HANDLE } from './handles.ts';

/** `<engine>.fingerprint`: per-table row count + content hash of the live databases. */
export function fingerprintFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.fingerprint`,
    description: `Fingerprint the live ${adapter.engine} databases (drills, verification after restore).`,
    engine: adapter.engine,
    args: z.strictObject({
      databases: z.array(z.string()).optional(),
      snapshot: z.string().optional().describe('handle from pinSnapshot: fingerprint what it sees'),
    }),
    outputs: ['fingerprint'],
    async exec(args, ctx) {
      const fingerprint = await adapter.fingerprint(ctx.workload, {
        ...(args.databases && { databases: args.databases }),
        ...(args.snapshot && {
          snapshot: ctx.handles.get(SNAPSHOT_HANDLE, args.snapshot) as PinnedSnapshot,
        }),
        signal: ctx.signal,
      });
      return { fingerprint };
    },
  });
}
