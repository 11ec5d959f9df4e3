/**
 * Offline validation of blueprint source: YAML syntax, the schema, and everything the
 * schema cannot see (function names and args, template keys, phase references, freeze
 * without thaw). It reports every problem at once, each with file, line, column and path.
 */
import { LineCounter, parseDocument } from 'yaml';
import { BlueprintError } from '../errors.ts';
import type { BlueprintFunction, FunctionRegistry } from '../functions/types.ts';
import { ENGINE_NAME_PATTERN } from '../model/index.ts';
import { CONTEXT_SHAPE, phaseShape, type Shape } from './context.ts';
import { ACTION_NAMES, BlueprintSchema, PhaseSchema, type Blueprint, type Phase } from './schema.ts';
import { SourceMap } from './source-map.ts';
import { closest } from './suggest.ts';
import { formatPath, type PathSegment } from './template/ast.ts';
import { TEMPLATE_BUILTINS } from './template/builtins.ts';
import { unknownKeyMessage, type TemplateWhere } from './template/evaluate.ts';
import { ExpressionSyntaxError } from './template/parse-expression.ts';
import { collectReferences } from './template/references.ts';
import { hasTemplate, scanTemplate } from './template/scan-template.ts';

export interface ValidationResult {
  /** The typed blueprint, present only when there are no errors. */
  readonly blueprint?: Blueprint;
  readonly errors: readonly BlueprintError[];
}

export interface ValidateOptions {
  /** File name for messages. @default '<input>' */
  readonly file?: string;
  /** Functions to check `func` and args against; without it only the schema and templates are checked. */
  readonly registry?: FunctionRegistry;
}

type Path = readonly PathSegment[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validate one blueprint document. Never throws for bad input: everything is in `errors`. */
export function validateBlueprint(text: string, options: ValidateOptions = {}): ValidationResult {
  const file = options.file ?? '<input>';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const source = new SourceMap(doc, lines);
  const errors: BlueprintError[] = [];
  let blueprintName: string | undefined;
  const seen = new Set<string>();
  const report = (message: string, path: Path, pos = source.locate(path)): void => {
    const key = `${pos.line}:${pos.column}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    errors.push(
      new BlueprintError(
        message,
        { file, line: pos.line, column: pos.column, path: formatPath(path) },
        blueprintName === undefined ? {} : { blueprint: blueprintName },
      ),
    );
  };

  for (const error of doc.errors) {
    const pos = error.linePos?.[0];
    const message = (error.message.split('\n')[0] ?? error.message).replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    errors.push(new BlueprintError(message, { file, line: pos?.line ?? 0, column: pos?.col ?? 0, path: '' }));
  }
  if (errors.length) return { errors };

  const raw: unknown = doc.toJS();
  if (isRecord(raw) && isRecord(raw.metadata) && typeof raw.metadata.name === 'string') {
    blueprintName = raw.metadata.name;
  }

  const parsed = BlueprintSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          report(`unknown field \`${key}\``, [...path, key], source.locate([...path, key], { key: true }));
      } else if (issue.code === 'invalid_type' && valueAt(raw, path) === undefined) {
        report(`required field \`${String(path.at(-1) ?? '')}\` is missing`, path);
      } else {
        report(issue.message, path);
      }
    }
  }

  const spec = isRecord(raw) ? raw.spec : undefined;
  const actions = isRecord(spec) && isRecord(spec.actions) ? spec.actions : {};
  // An invalid engine was reported by the schema; do not compare functions against it.
  const engine =
    isRecord(spec) && typeof spec.engine === 'string' && ENGINE_NAME_PATTERN.test(spec.engine)
      ? spec.engine
      : 'any';
  for (const actionName of ACTION_NAMES) {
    const action = actions[actionName];
    if (!isRecord(action)) continue;
    checkAction(actionName, action, {
      engine,
      registry: options.registry,
      blueprint: blueprintName,
      source,
      report,
    });
  }

  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return parsed.success && errors.length === 0 ? { blueprint: parsed.data, errors } : { errors };
}

interface ActionCheck {
  readonly engine: string;
  readonly registry: FunctionRegistry | undefined;
  readonly blueprint: string | undefined;
  readonly source: SourceMap;
  report(message: string, path: Path, pos?: { line: number; column: number }): void;
}

interface PhaseEntry {
  readonly phase: Phase;
  readonly path: Path;
  readonly order: number;
  readonly defer: boolean;
  readonly fn: BlueprintFunction | undefined;
}

function checkAction(actionName: string, action: Record<string, unknown>, check: ActionCheck): void {
  const base: Path = ['spec', 'actions', actionName];
  const entries: PhaseEntry[] = [];
  const candidates: { value: unknown; path: Path; defer: boolean }[] = [];
  if (Array.isArray(action.phases)) {
    action.phases.forEach((value: unknown, i) =>
      candidates.push({ value, path: [...base, 'phases', i], defer: false }),
    );
  }
  if (action.deferPhase !== undefined)
    candidates.push({ value: action.deferPhase, path: [...base, 'deferPhase'], defer: true });

  const firstByName = new Map<string, PhaseEntry>();
  for (const candidate of candidates) {
    // A phase the schema rejects (reported already) is still checked as far as it is
    // well-formed, so one bad field neither hides other errors nor causes spurious ones.
    const phase = lenientPhase(candidate.value);
    if (!phase) continue;
    const fn = check.registry?.get(phase.func);
    const entry: PhaseEntry = {
      phase,
      path: candidate.path,
      order: entries.length,
      defer: candidate.defer,
      fn,
    };
    const first = firstByName.get(phase.name);
    if (first) {
      const line = check.source.locate([...first.path, 'name']).line;
      check.report(`duplicate phase name "${phase.name}" (first used on line ${line})`, [
        ...candidate.path,
        'name',
      ]);
    } else {
      firstByName.set(phase.name, entry);
    }
    entries.push(entry);
  }

  for (const entry of entries) {
    const { phase, path } = entry;
    const where: TemplateWhere = {
      phase: phase.name,
      action: actionName,
      ...(check.blueprint !== undefined && { blueprint: check.blueprint }),
    };
    if (check.registry) {
      if (!entry.fn) {
        const names = check.registry.names();
        const guess = closest(phase.func, names);
        const hint = guess ? `did you mean \`${guess}\`?` : `known functions: ${names.join(', ')}`;
        check.report(`unknown function \`${phase.func}\`; ${hint}`, [...path, 'func']);
      } else {
        if (entry.fn.engine && check.engine !== 'any' && entry.fn.engine !== check.engine) {
          check.report(
            `function \`${phase.func}\` belongs to engine ${entry.fn.engine}, but this blueprint is for ${check.engine}`,
            [...path, 'func'],
          );
        }
        checkArgs(entry.fn, phase.args ?? {}, [...path, 'args'], check);
      }
    }
    const templates: { value: string; path: Path; field: string }[] = [];
    collectStrings(phase.args ?? {}, [...path, 'args'], 'args', templates);
    if (typeof phase.if === 'string') {
      const text = phase.if.includes('${{') ? phase.if : `\${{ ${phase.if} }}`;
      templates.push({ value: text, path: [...path, 'if'], field: 'if' });
    }
    for (const template of templates) {
      checkTemplate(
        template.value,
        template.path,
        { ...where, field: template.field },
        entry,
        entries,
        check,
      );
    }
  }

  for (const entry of entries) {
    const match = /^(.+)\.freeze$/.exec(entry.phase.func);
    if (!match || entry.defer) continue;
    const thaw = `${match[1] ?? ''}.thaw`;
    const defer = entries.find((e) => e.defer);
    if (defer?.phase.func !== thaw) {
      check.report(
        `\`${entry.phase.func}\` holds writes until thawed: add a deferPhase calling \`${thaw}\` (it runs even when a phase fails)`,
        [...entry.path, 'func'],
      );
    }
  }
}

function lenientPhase(value: unknown): Phase | undefined {
  const parsed = PhaseSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.func !== 'string') return undefined;
  return {
    name: value.name,
    func: value.func,
    ...(isRecord(value.args) && { args: value.args }),
    ...((typeof value.if === 'string' || typeof value.if === 'boolean') && { if: value.if }),
  };
}

function collectStrings(
  value: unknown,
  path: Path,
  field: string,
  out: { value: string; path: Path; field: string }[],
): void {
  if (typeof value === 'string') {
    if (hasTemplate(value)) out.push({ value, path, field });
  } else if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => {
      collectStrings(item, [...path, i], `${field}[${i}]`, out);
    });
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value))
      collectStrings(item, [...path, key], `${field}.${key}`, out);
  }
}

function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment] as unknown;
    else if (isRecord(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/** True when the value at `path`, or any value on the way to it, is a template string. */
function templated(root: unknown, path: Path): boolean {
  let node = root;
  for (const segment of [undefined, ...path]) {
    if (segment !== undefined) {
      if (Array.isArray(node) && typeof segment === 'number') node = node[segment] as unknown;
      else if (isRecord(node)) node = node[String(segment)];
      else return false;
    }
    if (typeof node === 'string' && hasTemplate(node)) return true;
  }
  return false;
}

function checkArgs(
  fn: BlueprintFunction,
  args: Record<string, unknown>,
  path: Path,
  check: ActionCheck,
): void {
  const result = fn.args.safeParse(args);
  if (result.success) return;
  const known = Object.keys(fn.args.shape);
  for (const issue of result.error.issues) {
    const issuePath = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const guess = closest(key, known);
        const hint = guess ? `did you mean \`${guess}\`?` : `args: ${known.join(', ') || '(none)'}`;
        check.report(
          `unknown arg \`${key}\` for function \`${fn.name}\`; ${hint}`,
          [...path, ...issuePath, key],
          check.source.locate([...path, ...issuePath, key], { key: true }),
        );
      }
      continue;
    }
    // Templated values are typed at run time; only literals can be checked offline.
    if (templated(args, issuePath)) continue;
    const value = valueAt(args, issuePath);
    const name = formatPath(issuePath);
    if (value === undefined && issuePath.length === 1) {
      check.report(`missing required arg \`${name}\` for function \`${fn.name}\``, path);
    } else {
      check.report(`arg \`${name}\` of \`${fn.name}\`: ${issue.message}`, [...path, ...issuePath]);
    }
  }
}

function checkTemplate(
  text: string,
  path: Path,
  where: TemplateWhere,
  entry: PhaseEntry,
  entries: readonly PhaseEntry[],
  check: ActionCheck,
): void {
  const scalar = check.source.scalar(path);
  // For one-line scalars point at the exact character; otherwise at the scalar.
  const at = (offset: number) =>
    where.field === 'if' || !scalar.inline ? scalar : { line: scalar.line, column: scalar.column + offset };
  let parts;
  try {
    parts = scanTemplate(text);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    check.report(`bad template: ${error.message}`, path, at(error.offset));
    return;
  }
  for (const part of parts) {
    if (part.kind !== 'expr') continue;
    const bodyOffset = part.offset + text.slice(part.offset + 3).search(/\S/) + 3;
    const { paths, calls } = collectReferences(part.expr);
    for (const call of calls) {
      const builtin = TEMPLATE_BUILTINS[call.name];
      if (!builtin) {
        check.report(
          `unknown template function \`${call.name}\`; known: ${Object.keys(TEMPLATE_BUILTINS).join(', ')}`,
          path,
          at(bodyOffset + call.start),
        );
      } else if (call.arity < builtin.minArgs || call.arity > builtin.maxArgs) {
        check.report(`wrong number of arguments: ${builtin.description}`, path, at(bodyOffset + call.start));
      }
    }
    for (const reference of paths) {
      const problem = checkReference(reference.path, where, entry, entries);
      if (problem) check.report(problem, path, at(bodyOffset + reference.start));
    }
  }
}

/** Why `ref` cannot be read at this phase, or undefined when it can. */
function checkReference(
  ref: readonly PathSegment[],
  where: TemplateWhere,
  entry: PhaseEntry,
  entries: readonly PhaseEntry[],
): string | undefined {
  const [root, phaseName, ...rest] = ref;
  if (root === 'phases') {
    if (phaseName === undefined) return undefined;
    const target = entries.find((e) => e.phase.name === phaseName);
    const earlier = entries.filter((e) => e.order < entry.order && !e.defer).map((e) => e.phase.name);
    if (!target) {
      return `no phase named \`${String(phaseName)}\`${describeWhereShort(where)}; earlier phases: ${earlier.join(', ') || '(none)'}`;
    }
    if (target === entry)
      return `phase "${entry.phase.name}" cannot read its own outputs (\`${formatPath(ref)}\`)`;
    if (!entry.defer && target.order > entry.order) {
      return `phase \`${String(phaseName)}\` runs after phase "${entry.phase.name}": its outputs are not available yet (\`${formatPath(ref)}\`)`;
    }
    const shape = phaseShape(target.fn?.outputs ?? []);
    // Without the function (unknown name, reported already) its outputs are unknown: allow any.
    if (!target.fn && rest[0] === 'output') return undefined;
    return checkShape(shape, ['phases', phaseName], rest, where);
  }
  const rootKeys = [...Object.keys(CONTEXT_SHAPE), 'phases'];
  const shape = root === undefined ? undefined : CONTEXT_SHAPE[String(root)];
  if (!shape) return unknownKeyMessage([root ?? ''], rootKeys, where);
  return checkShape(
    shape,
    [root ?? ''],
    [phaseName, ...rest].filter((s) => s !== undefined),
    where,
  );
}

function checkShape(
  shape: Shape,
  prefix: readonly PathSegment[],
  rest: readonly PathSegment[],
  where: TemplateWhere,
): string | undefined {
  let current = shape;
  const path = [...prefix];
  for (const segment of rest) {
    switch (current.kind) {
      case 'object': {
        const next = current.fields[String(segment)];
        if (!next) return unknownKeyMessage([...path, segment], Object.keys(current.fields), where);
        current = next;
        break;
      }
      case 'map':
        current = current.of;
        break;
      case 'list':
        if (typeof segment !== 'number' && segment !== 'length') {
          return `\`${formatPath(path)}\` is a list: read an item with [index], not \`.${segment}\``;
        }
        current = segment === 'length' ? { kind: 'value', type: 'number', doc: '' } : current.of;
        break;
      case 'value':
        if (current.type === 'any') return undefined;
        return `\`${formatPath(path)}\` is a ${current.type}: it has no key \`${String(segment)}\``;
    }
    path.push(segment);
  }
  return undefined;
}

function describeWhereShort(where: TemplateWhere): string {
  return where.action ? ` in action ${where.action}` : '';
}
