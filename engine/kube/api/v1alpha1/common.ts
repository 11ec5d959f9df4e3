/**
 * Shapes every lifeboat.dev/v1alpha1 kind shares: names, conditions, action phases, label
 * selectors, and the descriptor each kind file exports. The zod schemas here are the one
 * source of truth: the TypeScript types are inferred from them and the CRD YAML in
 * `charts/lifeboat/crds/` is generated from them (`npm run gen:crds`).
 *
 * Patterns are kept to what both JavaScript and the API server's RE2 accept (no
 * look-around, no back-references), since the same regex is checked on both sides.
 */
import { z } from 'zod';
import { STRATEGIES } from '../../../../adapters/types.ts';

export const GROUP = 'lifeboat.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
/** `kubectl get lifeboat` lists every Lifeboat object. */
export const CATEGORY = 'lifeboat';

/** A Kubernetes object name (DNS subdomain), used for references within the namespace. */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase DNS-style name');

/** An RFC 3339 instant as the API server writes it, e.g. `2026-11-25T15:20:41Z`. */
export const timestamp = z.iso.datetime({ offset: true });

/** Another Lifeboat or core object in the SAME namespace, by name. */
export const localRef = (what: string) =>
  objectName.describe(`Name of a ${what} in this namespace (never another namespace's).`);

export const StrategySchema = z
  .enum(STRATEGIES)
  .describe('Capture strategy: how the databases are read (`logical` dumps, from a `replica`, snapshots…).');
export const ConsistencySchema = z
  .enum(['app', 'member'])
  .describe('`app`: one consistent cut across all members; `member`: each member on its own.');

export const CONDITION_TYPES = ['Ready', 'Progressing', 'Failed'] as const;
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const ConditionSchema = z
  .object({
    type: z.enum(CONDITION_TYPES).describe('Ready, Progressing or Failed.'),
    status: z.enum(CONDITION_STATUSES),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, 'must be a CamelCase reason')
      .describe('Machine-readable CamelCase reason, e.g. `BackupSucceeded`.'),
    message: z.string().max(32768).describe('Human-readable detail; never holds a secret.'),
    lastTransitionTime: timestamp.describe('When `status` last changed.'),
    observedGeneration: z.int().min(0).optional().describe('The `metadata.generation` this was set for.'),
  })
  .describe('One observed state of the object, as in Kubernetes API conventions.');

export const ACTION_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export const ActionPhaseSchema = z.enum(ACTION_PHASES).describe('Pending, Running, Succeeded or Failed.');

export const RunnerSchema = z
  .object({
    identity: z.string().min(1).describe('Identity of the controller instance that runs the action.'),
    startedAt: timestamp,
  })
  .describe('Which controller instance took the action, so a restarted one can tell its own work apart.');

export const LabelSelectorSchema = z
  .strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z.strictObject({
          key: z.string().min(1),
          operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
          values: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  })
  .describe('A standard Kubernetes label selector; an empty selector matches everything.');

/** Fields every status carries. */
export const statusBase = {
  observedGeneration: z.int().min(0).optional().describe('The `metadata.generation` last reconciled.'),
  conditions: z
    .array(ConditionSchema)
    .optional()
    // One entry per type: server-side apply merges conditions by `type`, as for built-in kinds.
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
};

/** Fields every action (Backup, Restore, Drill) status carries besides `phase`. */
export const actionStatusBase = {
  ...statusBase,
  phase: ActionPhaseSchema.optional(),
  startedAt: timestamp.optional(),
  completedAt: timestamp.optional(),
  runner: RunnerSchema.optional(),
  message: z.string().optional().describe('Last human-readable outcome; never holds a secret.'),
};

/**
 * The metadata fields Lifeboat reads. Loose: the API server adds many more, which pass
 * through untouched.
 */
export const ObjectMetaSchema = z.looseObject({
  name: objectName,
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type Strategy = z.infer<typeof StrategySchema>;
export type Consistency = z.infer<typeof ConsistencySchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type ConditionType = Condition['type'];
export type ConditionStatus = Condition['status'];
export type ActionPhase = z.infer<typeof ActionPhaseSchema>;
export type Runner = z.infer<typeof RunnerSchema>;
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

/** One `kubectl get` column (CRD `additionalPrinterColumns`). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  /** 0: shown by default; higher: only with `-o wide`. */
  readonly priority?: number;
}

/** Everything the CRD generator and the controller need to know about one kind. */
export interface ResourceDescriptor<Spec extends z.ZodType, Status extends z.ZodType> {
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** One sentence for the CRD's schema description. */
  readonly description: string;
  readonly specSchema: Spec;
  readonly statusSchema: Status;
  readonly printerColumns: readonly PrinterColumn[];
}

export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};
export const READY_COLUMN: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};

/** Build a descriptor with the naming rules of the contract (plural = kind + s, lower case). */
export function describeResource<Spec extends z.ZodType, Status extends z.ZodType>(fields: {
  kind: string;
  shortName: string;
  description: string;
  specSchema: Spec;
  statusSchema: Status;
  printerColumns: readonly PrinterColumn[];
}): ResourceDescriptor<Spec, Status> {
  const singular = fields.kind.toLowerCase();
  return {
    kind: fields.kind,
    listKind: `${fields.kind}List`,
    plural: pluralOf(singular),
    singular,
    shortNames: [fields.shortName],
    categories: [CATEGORY],
    description: fields.description,
    specSchema: fields.specSchema,
    statusSchema: fields.statusSchema,
    printerColumns: fields.printerColumns,
  };
}

function pluralOf(singular: string): string {
  // Only `repository` and `backuppolicy` need the -ies form among our kinds.
  return singular.endsWith('y') ? `${singular.slice(0, -1)}ies` : `${singular}s`;
}
