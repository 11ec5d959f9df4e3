import { z } from 'zod';
import type { DatabaseAdapter } from '../../../adapters/types.ts';
import { defineFunction } from '../define-function.ts';
import type { BlueprintFunction } from '../types.ts';

/** `<engine>.probe`: version, role, replicas, databases, privileges of the workload's server. */
export function probeFunction(adapter: DatabaseAdapter): BlueprintFunction {
  return defineFunction({
    name: `${adapter.engine}.probe`,
    description: `Ask the ${adapter.engine} server for its version, role, replicas, databases and privileges.`,
    engine: adapter.engine,
    args: z.strictObject({}),
    outputs: [
      'version',
      'role',
      'lagSeconds',
      'replicas',
      'databases',
      'privileges',
      'limitations',
      'allows',
    ],
    async exec(_args, ctx) {
      const probe = await adapter.probe(ctx.workload, ctx.signal);
      return {
        version: probe.version,
        role: probe.role,
        lagSeconds: probe.lagSeconds ?? null,
        replicas: probe.replicas.map((r) => ({
          host: r.host,
          port: r.port,
          lagSeconds: r.lagSeconds ?? null,
        })),
        databases: [...probe.databases],
        privileges: [...probe.privileges],
        limitations: [...probe.limitations],
        allows: probe.allows ? { ...probe.allows } : null,
      };
    },
  });
}
