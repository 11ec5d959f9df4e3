/**
 * Before an application-consistent backup is planned, ask each member's server what it
 * allows (`ProbeResult.allows`): the planner orders the cut from that (e.g. a FerretDB
 * member cannot be fenced, so it is captured inside the other members' fence window).
 * Runs before any fence, so it costs the write stall nothing. A member whose probe fails is
 * left to its adapter's static capabilities; its own cut step then reports the failure.
 */
import type { ProbeResult } from '../../adapters/types.ts';
import { createHandleBag } from '../functions/handle-bag.ts';
import type { FunctionRegistry } from '../functions/types.ts';
import { UsageError } from '../errors.ts';
import type { Application } from '../model/index.ts';

const quiet = { bytes: () => undefined, rows: () => undefined, estimate: () => undefined };

export async function probeForCut(
  application: Application,
  registry: FunctionRegistry,
  signal: AbortSignal,
): Promise<Record<string, ProbeResult>> {
  const entries = await Promise.all(
    application.workloads.map(async (workload) => {
      const fn = registry.get(`${workload.engine}.probe`);
      if (!fn) return undefined;
      try {
        const output = await fn.exec(
          {},
          {
            workload,
            artifacts: {
              sink: () => Promise.reject(new UsageError('a probe stores no artifacts')),
              source: () => Promise.reject(new UsageError('a probe reads no artifacts')),
            },
            signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
            progress: quiet,
            handles: createHandleBag(),
            where: { app: application.name, phase: 'probe', action: 'backup', blueprint: '' },
          },
        );
        return [workload.name, output as unknown as ProbeResult] as const;
      } catch {
        return undefined;
      }
    }),
  );
  return Object.fromEntries(entries.filter((e) => e !== undefined));
}
