/**
 * JSON Schema (as `z.toJSONSchema` emits it) → a *structural* OpenAPI v3 schema, the only
 * kind the API server accepts in a CRD. Pure.
 *
 * What changes, and why (see "Specifying a structural schema" in the Kubernetes docs):
 * - `$ref`/`$defs` are inlined: CRD schemas cannot reference.
 * - `additionalProperties: false` is dropped: it may not sit next to `properties`, and the
 *   API server prunes unknown fields anyway.
 * - `const` becomes a one-value `enum`; numeric `exclusiveMinimum/Maximum` (2020-12) become
 *   `minimum` + `exclusiveMinimum: true` (OpenAPI 3.0); zod's ±2^53 integer bounds are dropped.
 * - a `date-time` string loses zod's JavaScript pattern: the `format` already says it.
 * - an open map of anything (`z.record(z.string(), z.unknown())`, blueprint args) becomes
 *   `x-kubernetes-preserve-unknown-fields`; `string | integer` becomes
 *   `x-kubernetes-int-or-string`; other mixed types (`string | boolean`) become a free
 *   node (nothing structural can type them); unions of one type keep the type
 *   outside and the value checks inside `anyOf`, as structural schemas require.
 * Any keyword not understood here throws, so a schema feature the CRD cannot express
 * fails generation instead of silently vanishing.
 */
import { LifeboatError } from '../../errors.ts';

export type JsonSchema = Record<string, unknown>;

/** A schema the generator cannot express as a structural CRD schema. */
export class StructuralSchemaError extends LifeboatError {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`CRD schema at ${path || '.'}: ${message}`);
    this.path = path;
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Keywords copied as they are (OpenAPI v3.0 subset the API server supports). */
const KEPT = new Set([
  'type',
  'format',
  'description',
  'title',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'default',
  'nullable',
  'required',
  'x-kubernetes-validations',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
]);
/** Keywords handled below or meaningless in a CRD. */
const HANDLED = new Set([
  '$schema',
  '$id',
  '$ref',
  '$defs',
  'definitions',
  'id',
  'properties',
  'additionalProperties',
  'items',
  'propertyNames',
  'anyOf',
  'oneOf',
  'const',
  'exclusiveMinimum',
  'exclusiveMaximum',
]);
/** Value-validation keywords allowed inside `anyOf` branches. */
const BRANCH_KEYWORDS = new Set([
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'format',
]);
/** JSON types a free-form union may hold. */
const JSON_TYPES: Record<string, true> = {
  string: true,
  boolean: true,
  integer: true,
  number: true,
  object: true,
  array: true,
};

/** Convert `root` (with its own `$defs`) into a structural schema. */
export function toStructuralSchema(root: JsonSchema): JsonSchema {
  const defs = { ...asRecord(root.definitions), ...asRecord(root.$defs) };
  return convert(root, defs, '', new Set());
}

function convert(
  node: JsonSchema,
  defs: Record<string, unknown>,
  path: string,
  seen: Set<string>,
): JsonSchema {
  if (typeof node.$ref === 'string') return convertRef(node, defs, path, seen);
  const unions = node.anyOf ?? node.oneOf;
  if (Array.isArray(unions)) return convertUnion(node, unions as JsonSchema[], defs, path, seen);
  if (Array.isArray(node.type)) return mixedTypes(node, node.type as string[], path);

  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (KEPT.has(key)) out[key] = value;
    else if (!HANDLED.has(key))
      throw new StructuralSchemaError(path, `keyword "${key}" has no CRD equivalent`);
  }
  if ('const' in node) out.enum = [node.const];
  exclusiveBound(node, out, 'exclusiveMinimum', 'minimum');
  exclusiveBound(node, out, 'exclusiveMaximum', 'maximum');
  if (out.type === 'integer') {
    if (out.minimum === -MAX_SAFE) delete out.minimum;
    if (out.maximum === MAX_SAFE) delete out.maximum;
  }
  if (out.format === 'date-time') delete out.pattern;

  if (node.type === 'array') {
    if (!isRecord(node.items)) throw new StructuralSchemaError(path, 'an array needs one `items` schema');
    out.items = convert(node.items, defs, `${path}[]`, seen);
  }
  if (node.type === 'object') convertObject(node, out, defs, path, seen);
  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true)
    throw new StructuralSchemaError(path, 'every node needs a type');
  return out;
}

function convertObject(
  node: JsonSchema,
  out: JsonSchema,
  defs: Record<string, unknown>,
  path: string,
  seen: Set<string>,
): void {
  const properties = asRecord(node.properties);
  const extra = node.additionalProperties;
  if (Object.keys(properties).length > 0) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, schema]) => [
        name,
        convert(asRecord(schema), defs, path ? `${path}.${name}` : name, seen),
      ]),
    );
    // Fields beyond `properties` would be pruned by the API server; `false` is the default.
    if (isRecord(extra) || extra === true)
      throw new StructuralSchemaError(path, 'properties and additionalProperties cannot be combined');
    return;
  }
  if (extra === true || (isRecord(extra) && Object.keys(extra).length === 0)) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (isRecord(extra)) {
    out.additionalProperties = convert(extra, defs, `${path}.*`, seen);
  } else if (extra === undefined) {
    // `{}` with no fields declared: a free-form object.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
}

function convertRef(
  node: JsonSchema,
  defs: Record<string, unknown>,
  path: string,
  seen: Set<string>,
): JsonSchema {
  const ref = node.$ref as string;
  const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : defs[name];
  if (name === undefined || !isRecord(target))
    throw new StructuralSchemaError(path, `unresolvable $ref ${ref}`);
  if (seen.has(name)) throw new StructuralSchemaError(path, `recursive $ref ${ref} cannot be inlined`);
  const { $ref: _ref, ...siblings } = node;
  // Siblings (usually a more specific `description`) win over the definition's own.
  return convert({ ...target, ...siblings }, defs, path, new Set([...seen, name]));
}

function convertUnion(
  node: JsonSchema,
  branches: JsonSchema[],
  defs: Record<string, unknown>,
  path: string,
  seen: Set<string>,
): JsonSchema {
  const converted = branches.map((b) => convert(b, defs, path, seen));
  const types = [...new Set(converted.map((b) => b.type))];
  const base = pick(node, ['description', 'title']);
  if (types.length === 1 && typeof types[0] === 'string' && types[0] !== 'object' && types[0] !== 'array') {
    const anyOf = converted.map((b) => {
      const { type: _type, description: _description, title: _title, ...checks } = b;
      const foreign = Object.keys(checks).filter((k) => !BRANCH_KEYWORDS.has(k));
      if (foreign.length > 0)
        throw new StructuralSchemaError(
          path,
          `a union branch may only hold value checks, not ${foreign.join(', ')}`,
        );
      return checks;
    });
    return { ...base, type: types[0], anyOf };
  }
  if (types.some((t) => t === 'object' || t === 'array'))
    throw new StructuralSchemaError(path, 'a union of objects or arrays has no structural form');
  return mixedTypes(base, types.map(String), path);
}

function mixedTypes(node: JsonSchema, types: readonly string[], path: string): JsonSchema {
  const base = pick(node, ['description', 'title']);
  const set = new Set(types);
  if (set.size === 2 && set.has('string') && set.has('integer'))
    return { ...base, 'x-kubernetes-int-or-string': true };
  for (const t of types)
    if (JSON_TYPES[t] === undefined)
      throw new StructuralSchemaError(path, `type "${t}" in a union has no CRD equivalent`);
  // Structural schemas cannot type a union of scalars, and CEL cannot see an untyped node
  // (tried on the node and on its parent; both refused): any value passes the API server
  // here, and the controller's zod parse checks the type.
  return { ...base, 'x-kubernetes-preserve-unknown-fields': true };
}

function exclusiveBound(node: JsonSchema, out: JsonSchema, key: string, bound: string): void {
  const value = node[key];
  if (typeof value === 'number') {
    out[bound] = value;
    out[key] = true;
  } else if (value === true) out[key] = true;
}

function pick(node: JsonSchema, keys: readonly string[]): JsonSchema {
  return Object.fromEntries(Object.entries(node).filter(([k]) => keys.includes(k)));
}

function isRecord(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): JsonSchema {
  return isRecord(value) ? value : {};
}
