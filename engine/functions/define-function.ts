import { UsageError } from '../errors.ts';
import type { BlueprintFunction, FunctionDefinition } from './types.ts';
import type { z } from 'zod';

/**
 * Turn a typed definition into a registry entry: `exec` parses its args with the schema
 * (applying defaults) and checks that the result has exactly the declared outputs, so a
 * function cannot silently break `phases.x.output.y` references.
 */
export function defineFunction<S extends z.ZodObject>(definition: FunctionDefinition<S>): BlueprintFunction {
  return {
    name: definition.name,
    description: definition.description,
    ...(definition.engine !== undefined && { engine: definition.engine }),
    args: definition.args,
    outputs: definition.outputs,
    async exec(args, ctx) {
      const parsed = definition.args.safeParse(args);
      if (!parsed.success) {
        const problems = parsed.error.issues
          .map((issue) => `${issue.path.join('.') || 'args'}: ${issue.message}`)
          .join('; ');
        throw new UsageError(`invalid args for ${definition.name}: ${problems}`, { phase: ctx.where.phase });
      }
      const output = await definition.exec(parsed.data, ctx);
      const undeclared = Object.keys(output).filter((key) => !definition.outputs.includes(key));
      if (undeclared.length) {
        throw new Error(`function ${definition.name} returned undeclared outputs: ${undeclared.join(', ')}`);
      }
      return Object.fromEntries(definition.outputs.map((key) => [key, output[key] ?? null]));
    },
  };
}
