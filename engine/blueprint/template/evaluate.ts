/**
 * Evaluates template expressions against a plain-data context. Reading a key the
 * context does not have is an error that names the key and lists the known ones:
 * silent empty strings are how blueprints break in production.
 */
import { TemplateError } from '../../errors.ts';
import { formatPath, staticPath, type Expr, type PathSegment } from './ast.ts';
import { TEMPLATE_BUILTINS, stringify, truthy } from './builtins.ts';
import { ExpressionSyntaxError } from './parse-expression.ts';
import { scanTemplate, wholeExpression } from './scan-template.ts';

/** Where a template is used, for messages. */
export interface TemplateWhere {
  readonly blueprint?: string;
  readonly action?: string;
  readonly phase?: string;
  /** e.g. `args.label` or `if`. */
  readonly field?: string;
}

/** ` in phase "dump" of blueprint "postgres"` (empty when nothing is known). */
export function describeWhere(where: TemplateWhere): string {
  const parts: string[] = [];
  if (where.field) parts.push(where.field);
  if (where.phase) parts.push(`${where.field ? 'of ' : ''}phase "${where.phase}"`);
  if (where.blueprint) parts.push(`of blueprint "${where.blueprint}"`);
  return parts.length ? ` in ${parts.join(' ')}` : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * 'unknown key `workload.pvc` in phase "snapshot" of blueprint "pg-freeze": known keys
 * under workload: name, engine, …' — shared by the runtime evaluator and the linter.
 */
export function unknownKeyMessage(
  path: readonly PathSegment[],
  known: readonly string[],
  where: TemplateWhere,
): string {
  const key = formatPath(path);
  const parent = formatPath(path.slice(0, -1));
  const list = known.length ? known.join(', ') : '(none)';
  const under = parent ? `known keys under ${parent}: ${list}` : `known top-level keys: ${list}`;
  return `unknown key \`${key}\`${describeWhere(where)}: ${under}`;
}

function unknownKey(
  path: readonly PathSegment[],
  known: readonly string[],
  source: string,
  where: TemplateWhere,
) {
  return new TemplateError(unknownKeyMessage(path, known, where), formatPath(path), source, {
    ...(where.blueprint !== undefined && { blueprint: where.blueprint }),
    ...(where.phase !== undefined && { phase: where.phase }),
    ...(where.action !== undefined && { action: where.action }),
  });
}

/** Evaluate a parsed expression. `source` is its text, for error messages. */
export function evaluate(
  expr: Expr,
  context: Readonly<Record<string, unknown>>,
  source: string,
  where: TemplateWhere = {},
): unknown {
  const fail = (message: string, key = ''): TemplateError =>
    new TemplateError(`${message}${describeWhere(where)} (in \`${source}\`)`, key, source, {
      ...(where.blueprint !== undefined && { blueprint: where.blueprint }),
      ...(where.phase !== undefined && { phase: where.phase }),
    });

  const read = (object: unknown, key: string | number, node: Expr): unknown => {
    // Reading through null gives null, as in GitHub Actions: a skipped phase's outputs are
    // null and `phases.x.output.y` must stay usable in conditions.
    if (object === null || object === undefined) return null;
    if (Array.isArray(object)) {
      if (typeof key === 'number') return object[key] ?? null;
      if (key === 'length') return object.length;
      throw fail(`cannot read key '${key}' of a list (use [index])`, formatPath(staticPath(node) ?? []));
    }
    if (isRecord(object)) {
      if (Object.hasOwn(object, String(key))) return object[String(key)];
      const base = staticPath(node);
      throw unknownKey([...(base ?? ['?']), key], Object.keys(object), source, where);
    }
    throw fail(`cannot read key '${String(key)}' of a ${typeof object}`);
  };

  const run = (node: Expr): unknown => {
    switch (node.type) {
      case 'literal':
        return node.value;
      case 'ident':
        if (!Object.hasOwn(context, node.name))
          throw unknownKey([node.name], Object.keys(context), source, where);
        return context[node.name];
      case 'member':
        return read(run(node.object), node.property, node.object);
      case 'index': {
        const index = run(node.index);
        if (typeof index !== 'number' && typeof index !== 'string') {
          throw fail(`an index must be a number or a string, not ${stringify(index) || 'null'}`);
        }
        return read(run(node.object), index, node.object);
      }
      case 'not':
        return !truthy(run(node.operand));
      case 'binary': {
        if (node.op === '&&') {
          const left = run(node.left);
          return truthy(left) ? run(node.right) : left;
        }
        if (node.op === '||') {
          const left = run(node.left);
          return truthy(left) ? left : run(node.right);
        }
        const equal = looseEqual(run(node.left), run(node.right));
        return node.op === '==' ? equal : !equal;
      }
      case 'call': {
        const builtin = TEMPLATE_BUILTINS[node.name];
        if (!builtin) {
          throw fail(`unknown function '${node.name}' (known: ${Object.keys(TEMPLATE_BUILTINS).join(', ')})`);
        }
        if (node.args.length < builtin.minArgs || node.args.length > builtin.maxArgs) {
          throw fail(`wrong number of arguments: ${builtin.description}`);
        }
        return builtin.call(node.args.map(run));
      }
    }
  };
  return run(expr);
}

/** Equality of plain values; null and undefined are equal; lists/objects compare as JSON. */
function looseEqual(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/**
 * Render one string. A string that is exactly one `${{ x }}` keeps x's type (a list stays
 * a list); expressions embedded in text are stringified. Syntax errors become TemplateError.
 */
export function renderString(
  text: string,
  context: Readonly<Record<string, unknown>>,
  where: TemplateWhere = {},
): unknown {
  let parts;
  try {
    parts = scanTemplate(text);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) {
      throw new TemplateError(
        `bad template${describeWhere(where)}: ${error.message} at offset ${error.offset} of '${text}'`,
        '',
        text,
        { ...(where.blueprint !== undefined && { blueprint: where.blueprint }) },
      );
    }
    throw error;
  }
  const whole = wholeExpression(parts);
  if (whole) return evaluate(whole.expr, context, whole.source, where);
  return parts
    .map((part) =>
      part.kind === 'text' ? part.value : stringify(evaluate(part.expr, context, part.source, where)),
    )
    .join('');
}

/** Render every string inside a value (lists and maps recursively; keys stay literal). */
export function renderValue(
  value: unknown,
  context: Readonly<Record<string, unknown>>,
  where: TemplateWhere = {},
): unknown {
  if (typeof value === 'string') return renderString(value, context, where);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, context, where));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        renderValue(item, context, { ...where, field: where.field ? `${where.field}.${key}` : key }),
      ]),
    );
  }
  return value;
}

/**
 * Evaluate a phase condition: either `${{ expr }}` or a bare expression, as GitHub Actions
 * accepts both. Booleans pass through.
 */
export function evaluateCondition(
  condition: string | boolean,
  context: Readonly<Record<string, unknown>>,
  where: TemplateWhere = {},
): boolean {
  if (typeof condition === 'boolean') return condition;
  const text = condition.includes('${{') ? condition : `\${{ ${condition} }}`;
  return truthy(renderString(text, context, { ...where, field: 'if' }));
}
