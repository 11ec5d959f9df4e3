/**
 * Blueprints as the dashboard shows them: name, engine, actions and every lint problem, by
 * the same validation `lifeboat blueprint lint` runs (schema, functions and their args,
 * template keys, phase references).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { adapters } from '../../adapters/index.ts';
import { builtinBlueprintsDir, validateBlueprint } from '../blueprint/index.ts';
import { buildRegistry } from '../functions/index.ts';
import type { FunctionRegistry } from '../functions/types.ts';
import type { BlueprintView } from './api-types.ts';

let registry: FunctionRegistry | undefined;
/** The registry the CLI lints against (generic functions + every adapter's). */
function lintRegistry(): FunctionRegistry {
  registry ??= buildRegistry(adapters.values());
  return registry;
}

interface Shallow {
  metadata?: { name?: unknown };
  spec?: { engine?: unknown; actions?: unknown };
}

/** Lint one blueprint document and describe it; never throws for bad input. */
export function blueprintView(
  text: string,
  where: { readonly source: string; readonly namespace: string | null; readonly fallbackName: string },
): BlueprintView {
  const result = validateBlueprint(text, { file: where.source, registry: lintRegistry() });
  const raw: Shallow = result.blueprint ?? parseLoosely(text);
  const name = typeof raw.metadata?.name === 'string' ? raw.metadata.name : where.fallbackName;
  const actions =
    raw.spec?.actions !== null && typeof raw.spec?.actions === 'object' ? Object.keys(raw.spec.actions) : [];
  return {
    namespace: where.namespace,
    name,
    engine: typeof raw.spec?.engine === 'string' ? raw.spec.engine : null,
    source: where.source,
    actions,
    lint: result.errors.map((e) => ({ path: e.path, line: e.line ?? null, message: e.message })),
  };
}

/** Name and engine of a blueprint that fails validation (the lint problems say why). */
function parseLoosely(text: string): Shallow {
  const name = /^\s*name:\s*(\S+)/m.exec(text)?.[1];
  const engine = /^\s*engine:\s*(\S+)/m.exec(text)?.[1];
  return { metadata: { name }, spec: { engine } };
}

/** A Blueprint custom resource, linted as the file it was applied from. */
export function blueprintResourceView(resource: {
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}): BlueprintView {
  const name = resource.metadata?.name ?? '';
  const text = stringify({
    apiVersion: 'lifeboat.dev/v1alpha1',
    kind: 'Blueprint',
    metadata: { name },
    spec: resource.spec,
  });
  return blueprintView(text, {
    source: 'Blueprint resource',
    namespace: resource.metadata?.namespace ?? null,
    fallbackName: name,
  });
}

/** The shipped blueprints (`blueprints/*.yaml`), each linted. */
export async function builtinBlueprintViews(dir = builtinBlueprintsDir()): Promise<BlueprintView[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) =>
      blueprintView(await readFile(join(dir, file), 'utf8'), {
        source: `built-in ${file}`,
        namespace: null,
        fallbackName: file.replace(/\.ya?ml$/, ''),
      }),
    ),
  );
}
