/**
 * The one schema for blueprints: the CLI linter, the controller's admission check and the
 * tests all validate with it, and `blueprints/schema/blueprint.schema.json` is generated
 * from it (`npm run blueprint:schema`) for editors.
 */
import { z } from 'zod';
import { ENGINE_KINDS, ENGINE_NAME_PATTERN } from '../model/index.ts';
import { DURATION_PATTERN } from './duration.ts';

export const BLUEPRINT_API_VERSION = 'lifeboat.dev/v1alpha1';
export const ACTION_NAMES = ['backup', 'restore', 'delete', 'verify'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

const ENGINE_MESSAGE =
  'must be postgres, mysql, mongodb, cassandra, any, or the lowercase name of an engine without an adapter (e.g. redis)';

const identifier = z
  .string()
  .regex(/^[A-Za-z_][\w-]*$/, 'must start with a letter or _ and hold only letters, digits, _ and -');

export const PhaseSchema = z
  .strictObject({
    name: identifier.describe('Unique within the action; later phases read `phases.<name>.output.<key>`.'),
    description: z.string().optional().describe('What the phase does, for `blueprint render` and plans.'),
    func: z
      .string()
      .regex(
        /^[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)?$/,
        'must be a function name such as `exec` or `postgres.dump`',
      )
      .describe('Registered function to call, e.g. `exec`, `postgres.dump`, `mysql.freeze`.'),
    args: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Arguments of the function; strings may hold `${{ expr }}` templates.'),
    timeout: z
      .string()
      .regex(DURATION_PATTERN, 'must be a duration such as 500ms, 30s, 10m, 1h30m')
      .optional()
      .describe('Abort the phase after this long, e.g. `30s`, `10m`.'),
    retries: z
      .int()
      .min(0)
      .max(20)
      .optional()
      .describe('Extra attempts after a retryable failure, with exponential backoff.'),
    if: z
      .union([z.string(), z.boolean()])
      .optional()
      .describe(
        "Run the phase only when this expression is true, e.g. `${{ backup.strategy == 'freeze-snapshot' }}`.",
      ),
  })
  .describe('One step of an action.')
  // An id makes the JSON Schema define Phase once (`$defs`) instead of once per use.
  .meta({ id: 'Phase' });

export const ActionSchema = z
  .strictObject({
    description: z.string().optional(),
    phases: z.array(PhaseSchema).min(1).describe('Run in order; the first failure stops the action.'),
    deferPhase: PhaseSchema.optional().describe(
      'Always runs after the phases, even after a failure or cancellation (thaw, cleanup).',
    ),
  })
  .describe('An ordered list of phases plus an optional deferred phase.')
  .meta({ id: 'Action' });

export const BlueprintSchema = z
  .strictObject({
    apiVersion: z.literal(BLUEPRINT_API_VERSION),
    kind: z.literal('Blueprint'),
    metadata: z
      .looseObject({
        name: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase DNS-style name')
          .max(253),
        description: z.string().optional(),
      })
      .describe('Kubernetes-style metadata; `name` identifies the blueprint.'),
    spec: z.strictObject({
      engine: z
        .union([z.enum([...ENGINE_KINDS, 'any']), z.string().regex(ENGINE_NAME_PATTERN, ENGINE_MESSAGE)], {
          error: ENGINE_MESSAGE,
        })
        .describe(
          'Database engine the blueprint protects: one with an adapter, `any` for generic blueprints, or another engine (e.g. `redis`) protected with generic functions only.',
        ),
      description: z.string().optional(),
      actions: z
        .strictObject({
          backup: ActionSchema.optional(),
          restore: ActionSchema.optional(),
          delete: ActionSchema.optional(),
          verify: ActionSchema.optional(),
        })
        .refine((actions) => Object.values(actions).some(Boolean), 'needs at least one action')
        .describe('What the blueprint can do: backup, restore, delete, verify.'),
    }),
  })
  .describe('A Lifeboat blueprint: how to back up, restore and verify one kind of database.');

export type Phase = z.infer<typeof PhaseSchema>;
export type Action = z.infer<typeof ActionSchema>;
export type Blueprint = z.infer<typeof BlueprintSchema>;

/** The JSON Schema editors and the controller use; generated from `BlueprintSchema`. */
export function blueprintJsonSchema(): Record<string, unknown> {
  // draft-07: the dialect YAML language servers support best.
  const schema = z.toJSONSchema(BlueprintSchema, { target: 'draft-07', io: 'input' });
  return {
    $id: 'https://lifeboat.dev/schema/blueprint.schema.json',
    title: 'Lifeboat Blueprint',
    ...schema,
  };
}
