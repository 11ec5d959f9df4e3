import { LifeboatError } from '../errors.ts';
import type { BlueprintFunction, FunctionRegistry } from './types.ts';

/** A registry over an explicit list; a duplicate name throws at startup. */
export function createRegistry(functions: readonly BlueprintFunction[]): FunctionRegistry {
  const byName = new Map<string, BlueprintFunction>();
  for (const fn of functions) {
    if (byName.has(fn.name)) throw new LifeboatError(`duplicate blueprint function name \`${fn.name}\``);
    byName.set(fn.name, fn);
  }
  const names = [...byName.keys()].sort();
  return { get: (name) => byName.get(name), names: () => names };
}
