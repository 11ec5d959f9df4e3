/**
 * Regenerates `blueprints/schema/blueprint.schema.json` from the zod schema:
 *   node engine/blueprint/write-json-schema.ts
 * A unit test fails when the committed file is stale.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { builtinBlueprintsDir } from './load.ts';
import { blueprintJsonSchema } from './schema.ts';

/** The file content: pretty JSON with a trailing newline. */
export function blueprintJsonSchemaText(): string {
  return `${JSON.stringify(blueprintJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const path = join(builtinBlueprintsDir(), 'schema', 'blueprint.schema.json');
  await writeFile(path, blueprintJsonSchemaText());
  console.log(`wrote ${path}`);
}
