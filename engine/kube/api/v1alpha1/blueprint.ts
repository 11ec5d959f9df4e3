/**
 * Blueprint: the `spec` of a blueprint file, validated by the very schema the CLI linter
 * uses (`engine/blueprint/schema.ts`), so `kubectl apply -f blueprints/postgres.yaml` works.
 */
import { z } from 'zod';
import { BlueprintSchema } from '../../../blueprint/schema.ts';
import { AGE_COLUMN, READY_COLUMN, describeResource, statusBase } from './common.ts';

const fileSpec = BlueprintSchema.shape.spec;
/**
 * The file's spec, validating exactly the same. `minProperties` only tells the API server
 * what the schema's refine says (at least one action), which JSON Schema cannot carry.
 */
export const BlueprintSpecSchema = fileSpec.extend({
  actions: fileSpec.shape.actions.meta({ minProperties: 1 }),
});

export const BlueprintLintSchema = z.object({
  path: z.string().describe('Where in the spec, e.g. `actions.backup.phases[1].args.db`.'),
  line: z.int().min(0).optional(),
  message: z.string(),
});

export const BlueprintStatusSchema = z.object({
  ...statusBase,
  lint: z
    .array(BlueprintLintSchema)
    .optional()
    .describe('What the controller found wrong beyond the schema (unknown functions, bad references).'),
});

export const blueprintResource = describeResource({
  kind: 'Blueprint',
  shortName: 'lbbp',
  description: 'How to back up, restore and verify one kind of database (same format as a blueprint file).',
  specSchema: BlueprintSpecSchema,
  statusSchema: BlueprintStatusSchema,
  printerColumns: [{ name: 'Engine', type: 'string', jsonPath: '.spec.engine' }, READY_COLUMN, AGE_COLUMN],
});

export type BlueprintSpec = z.infer<typeof BlueprintSpecSchema>;
export type BlueprintStatus = z.infer<typeof BlueprintStatusSchema>;
export type BlueprintLint = z.infer<typeof BlueprintLintSchema>;
