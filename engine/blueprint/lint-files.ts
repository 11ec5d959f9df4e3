import { readFile } from 'node:fs/promises';
import { BlueprintError } from '../errors.ts';
import type { FunctionRegistry } from '../functions/types.ts';
import { validateBlueprint } from './validate.ts';

/**
 * `lifeboat blueprint lint FILE…` as a library call: every problem of every file, in file
 * order, each printable as `file:line:col  path  message`. An unreadable file is reported
 * as an error of that file, not thrown, so one bad path does not hide the others.
 */
export async function lintBlueprintFiles(
  paths: readonly string[],
  registry: FunctionRegistry,
): Promise<{ readonly errors: readonly BlueprintError[]; readonly lines: readonly string[] }> {
  const errors: BlueprintError[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      errors.push(
        new BlueprintError(`cannot read: ${(error as Error).message}`, { file: path, line: 0, column: 0 }),
      );
      continue;
    }
    errors.push(...validateBlueprint(text, { file: path, registry }).errors);
  }
  return { errors, lines: errors.map((e) => e.format()) };
}
