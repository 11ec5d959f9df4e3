/**
 * A Backup's `spec.blueprint`: a Blueprint CR of the Backup's namespace, validated like a
 * blueprint file (same schema, same function registry) and used for its engine instead
 * of the built-in one.
 */
import { stringify } from 'yaml';
import { loadBlueprintText } from '../blueprint/index.ts';
import type { EngineSetup } from '../runs/index.ts';
import { ActionFailure } from './action-failure.ts';
import type { KubeObject } from './types.ts';

export function blueprintSetup(
  setup: EngineSetup,
  object: KubeObject | undefined,
  namespace: string,
  name: string,
): EngineSetup {
  if (!object)
    throw new ActionFailure('BlueprintNotFound', `Blueprint ${name} not found in namespace ${namespace}`);
  const text = stringify({
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name },
    spec: object.spec,
  });
  let loaded;
  try {
    loaded = loadBlueprintText(text, `Blueprint ${namespace}/${name}`, setup.registry);
  } catch (error) {
    throw new ActionFailure('InvalidBlueprint', (error as Error).message, { cause: error });
  }
  const engine = loaded.blueprint.spec.engine;
  return {
    ...setup,
    blueprintsByEngine: { ...setup.blueprintsByEngine, [engine]: loaded },
    blueprintsByName: { ...setup.blueprintsByName, [name]: loaded },
  };
}
