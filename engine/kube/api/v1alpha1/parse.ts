/**
 * Validate objects read from the API server (informers, GETs, watch events) before the
 * controller acts on them. The API server already enforced the CRD schema, but a CRD
 * installed from an older chart, or fields the schema cannot express (cross-field rules),
 * would otherwise surface deep inside a reconcile as `undefined`.
 */
import { z } from 'zod';
import { LifeboatError } from '../../../errors.ts';
import { blueprintResource } from './blueprint.ts';
import { backupPolicyResource } from './backup-policy.ts';
import { backupResource } from './backup.ts';
import { API_VERSION, ObjectMetaSchema, type ResourceDescriptor } from './common.ts';
import { drillResource } from './drill.ts';
import { repositoryResource } from './repository.ts';
import { restoreResource } from './restore.ts';

export interface FieldIssue {
  /** Dotted path from the object's root, e.g. `spec.retention.keepDaily` or `spec.members[0]`. */
  readonly path: string;
  readonly message: string;
}

/** A Lifeboat custom resource that does not match its schema; names the object and the field. */
export class CustomResourceError extends LifeboatError {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly objectName: string | undefined;
  /** Path of the first invalid field (see `issues` for all of them). */
  readonly path: string;
  readonly issues: readonly FieldIssue[];

  constructor(
    kind: string,
    where: { namespace?: string | undefined; name?: string | undefined },
    issues: readonly FieldIssue[],
  ) {
    const first = issues[0] ?? { path: '', message: 'invalid object' };
    const who = [where.namespace, where.name].filter(Boolean).join('/') || '<unnamed>';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(`${kind} ${who}: ${first.path || '.'}: ${first.message}${more}`);
    this.kind = kind;
    this.namespace = where.namespace;
    this.objectName = where.name;
    this.path = first.path;
    this.issues = issues;
  }
}

/** The zod schema of a whole object of one kind (apiVersion, kind, metadata, spec, status). */
export function objectSchemaOf<Spec extends z.ZodType, Status extends z.ZodType>(
  descriptor: ResourceDescriptor<Spec, Status>,
) {
  return z.looseObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(descriptor.kind),
    metadata: ObjectMetaSchema,
    spec: descriptor.specSchema,
    status: descriptor.statusSchema.optional(),
  });
}

export const BlueprintObjectSchema = objectSchemaOf(blueprintResource);
export const RepositoryObjectSchema = objectSchemaOf(repositoryResource);
export const BackupPolicyObjectSchema = objectSchemaOf(backupPolicyResource);
export const BackupObjectSchema = objectSchemaOf(backupResource);
export const RestoreObjectSchema = objectSchemaOf(restoreResource);
export const DrillObjectSchema = objectSchemaOf(drillResource);

export type BlueprintObject = z.infer<typeof BlueprintObjectSchema>;
export type RepositoryObject = z.infer<typeof RepositoryObjectSchema>;
export type BackupPolicyObject = z.infer<typeof BackupPolicyObjectSchema>;
export type BackupObject = z.infer<typeof BackupObjectSchema>;
export type RestoreObject = z.infer<typeof RestoreObjectSchema>;
export type DrillObject = z.infer<typeof DrillObjectSchema>;

/** `spec.members[0].name`: the JSONPath-like form kubectl prints. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function parseWith<T>(schema: z.ZodType<T>, kind: string, obj: unknown): T {
  const result = schema.safeParse(obj);
  if (result.success) return result.data;
  const metadata = (obj as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  throw new CustomResourceError(
    kind,
    { namespace: text(metadata?.namespace), name: text(metadata?.name) },
    result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  );
}

/** Validate a Blueprint object; throws {@link CustomResourceError} naming the field. */
export const parseBlueprint = (obj: unknown): BlueprintObject =>
  parseWith(BlueprintObjectSchema, 'Blueprint', obj);
/** Validate a Repository object; throws {@link CustomResourceError} naming the field. */
export const parseRepository = (obj: unknown): RepositoryObject =>
  parseWith(RepositoryObjectSchema, 'Repository', obj);
/** Validate a BackupPolicy object; throws {@link CustomResourceError} naming the field. */
export const parseBackupPolicy = (obj: unknown): BackupPolicyObject =>
  parseWith(BackupPolicyObjectSchema, 'BackupPolicy', obj);
/** Validate a Backup object; throws {@link CustomResourceError} naming the field. */
export const parseBackup = (obj: unknown): BackupObject => parseWith(BackupObjectSchema, 'Backup', obj);
/** Validate a Restore object; throws {@link CustomResourceError} naming the field. */
export const parseRestore = (obj: unknown): RestoreObject => parseWith(RestoreObjectSchema, 'Restore', obj);
/** Validate a Drill object; throws {@link CustomResourceError} naming the field. */
export const parseDrill = (obj: unknown): DrillObject => parseWith(DrillObjectSchema, 'Drill', obj);
