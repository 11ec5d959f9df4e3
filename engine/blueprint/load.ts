import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionRegistry } from '../functions/types.ts';
import type { Engine } from '../model/index.ts';
import { InvalidBlueprintError } from './invalid-blueprint-error.ts';
import type { Blueprint } from './schema.ts';
import { validateBlueprint } from './validate.ts';

/** A validated blueprint and where it came from. */
export interface LoadedBlueprint {
  readonly blueprint: Blueprint;
  /** File it was read from (relative to the blueprints folder for built-ins). */
  readonly file: string;
}

/** Parse and validate blueprint text; throws InvalidBlueprintError listing every problem. */
export function loadBlueprintText(text: string, file: string, registry?: FunctionRegistry): LoadedBlueprint {
  const result = validateBlueprint(text, { file, ...(registry && { registry }) });
  if (!result.blueprint) throw new InvalidBlueprintError(result.errors);
  return { blueprint: result.blueprint, file };
}

/** Read, parse and validate one blueprint file. */
export async function loadBlueprintFile(path: string, registry?: FunctionRegistry): Promise<LoadedBlueprint> {
  return loadBlueprintText(await readFile(path, 'utf8'), path, registry);
}

/** The shipped `blueprints/` folder, found from this module in the source tree or in dist/. */
export function builtinBlueprintsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'blueprints');
    if (existsSync(join(candidate, 'schema'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('the built-in blueprints folder was not found next to the Lifeboat installation');
}

/**
 * Load every `*.yaml` in the built-in blueprints folder. With a registry, function names
 * and args are checked too; blueprints for engines without a registered adapter fail that
 * check, so pass `engines` to load only those the registry covers.
 */
export async function loadBuiltinBlueprints(
  options: { registry?: FunctionRegistry; engines?: readonly Engine[]; dir?: string } = {},
): Promise<LoadedBlueprint[]> {
  const dir = options.dir ?? builtinBlueprintsDir();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const loaded: LoadedBlueprint[] = [];
  const problems: InvalidBlueprintError[] = [];
  for (const name of files) {
    const text = await readFile(join(dir, name), 'utf8');
    const file = relative(process.cwd(), join(dir, name)) || name;
    // Schema first (no registry) to learn the engine, then the full check for wanted engines.
    const shallow = validateBlueprint(text, { file });
    const engine = shallow.blueprint?.spec.engine;
    if (options.engines && engine && engine !== 'any' && !options.engines.includes(engine)) continue;
    try {
      loaded.push(loadBlueprintText(text, file, options.registry));
    } catch (error) {
      if (error instanceof InvalidBlueprintError) problems.push(error);
      else throw error;
    }
  }
  if (problems.length) throw new InvalidBlueprintError(problems.flatMap((p) => p.errors));
  return loaded;
}

/** Index blueprints by engine; a second blueprint for the same engine is ignored unless named. */
export function blueprintsByEngine(
  blueprints: readonly LoadedBlueprint[],
): Partial<Record<Engine, LoadedBlueprint>> {
  const out: Partial<Record<Engine, LoadedBlueprint>> = {};
  for (const loaded of blueprints) {
    const engine = loaded.blueprint.spec.engine;
    if (engine !== 'any' && !out[engine]) out[engine] = loaded;
  }
  return out;
}
