/**
 * What every run needs besides its request: the registered adapters, the function
 * registry built from them and the blueprints per engine. Resolved once per process.
 */
import { adapters } from '../../adapters/index.ts';
import type { AdapterCapabilities } from '../../adapters/types.ts';
import {
  blueprintsByEngine,
  loadBlueprintFile,
  loadBuiltinBlueprints,
  type LoadedBlueprint,
} from '../blueprint/index.ts';
import { buildRegistry } from '../functions/index.ts';
import type { FunctionRegistry } from '../functions/types.ts';
import type { Engine } from '../model/index.ts';

export interface EngineSetup {
  readonly registry: FunctionRegistry;
  readonly blueprintsByEngine: Partial<Record<Engine, LoadedBlueprint>>;
  readonly blueprintsByName: Readonly<Record<string, LoadedBlueprint>>;
  readonly capabilitiesByEngine: Partial<Record<Engine, AdapterCapabilities>>;
}

/**
 * Engines that loaded blueprints protect but no adapter serves (e.g. `redis`): their
 * `--db` URL schemes are accepted, and only generic functions can protect them.
 */
export function blueprintOnlyEngines(setup: EngineSetup): string[] {
  const engines = Object.keys(setup.blueprintsByEngine);
  return engines.filter((engine) => setup.capabilitiesByEngine[engine] === undefined).sort();
}

/**
 * The built-in blueprints, overridden per engine by `extraBlueprintFiles` (a user's own
 * blueprint for an engine replaces the built-in one; all are selectable by name).
 */
export async function loadEngineSetup(extraBlueprintFiles: readonly string[] = []): Promise<EngineSetup> {
  const registry = buildRegistry(adapters.values());
  const builtins = await loadBuiltinBlueprints({ registry, engines: [...adapters.keys()] });
  const extra: LoadedBlueprint[] = [];
  for (const file of extraBlueprintFiles) extra.push(await loadBlueprintFile(file, registry));
  const all = [...extra, ...builtins];
  return {
    registry,
    blueprintsByEngine: blueprintsByEngine(all),
    blueprintsByName: Object.fromEntries([...builtins, ...extra].map((b) => [b.blueprint.metadata.name, b])),
    capabilitiesByEngine: Object.fromEntries([...adapters.values()].map((a) => [a.engine, a.capabilities])),
  };
}
