/**
 * Engines without an adapter (e.g. `redis`): a workload of such an engine can be protected
 * only by a blueprint that calls generic functions (`exec`, `waitFor`, …), since no
 * `<engine>.*` function exists for it. The blueprint decides how to capture; the planner
 * offers it the one strategy name a blueprint can act on, `logical`, and no cut.
 */
import type { AdapterCapabilities } from '../../adapters/types.ts';
import { UsageError } from '../errors.ts';
import type { FunctionRegistry } from '../functions/types.ts';
import type { Workload } from '../model/index.ts';
import type { PlanStep } from './types.ts';

export const BLUEPRINT_ONLY_CAPABILITIES: AdapterCapabilities = Object.freeze({
  strategies: Object.freeze(['logical'] as const),
  fence: false,
  pinSnapshot: false,
});

/**
 * Throws UsageError unless the blueprint of an adapterless workload calls only generic
 * functions (a function of another engine's adapter would talk to the wrong database).
 */
export function requireGenericFunctions(
  workload: Workload,
  blueprint: string,
  steps: readonly PlanStep[],
  registry: FunctionRegistry | undefined,
): void {
  for (const step of steps) {
    const engine = registry?.get(step.func)?.engine;
    if (engine === undefined) continue;
    throw new UsageError(
      `workload "${workload.name}" (${workload.engine}): Lifeboat has no adapter for ${workload.engine}, so its blueprint may call only generic functions (exec, waitFor, assert, makeFingerprint, …); phase "${step.name}" of blueprint "${blueprint}" calls ${step.func}`,
      { workload: workload.name, phase: step.name, blueprint },
    );
  }
}

/** The error for an adapterless workload with no blueprint for its engine. */
export function noBlueprintForEngine(workload: Workload): UsageError {
  return new UsageError(
    `workload "${workload.name}" (${workload.engine}): Lifeboat has no adapter for ${workload.engine}; give a blueprint with \`spec.engine: ${workload.engine}\` that uses generic functions (blueprints/README.md shows one for Redis)`,
    { workload: workload.name },
  );
}
