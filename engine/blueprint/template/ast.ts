/** Syntax tree of a template expression. `start` is the offset in the expression text. */
export type Expr =
  | { readonly type: 'literal'; readonly start: number; readonly value: string | number | boolean | null }
  | { readonly type: 'ident'; readonly start: number; readonly name: string }
  | { readonly type: 'member'; readonly start: number; readonly object: Expr; readonly property: string }
  | { readonly type: 'index'; readonly start: number; readonly object: Expr; readonly index: Expr }
  | { readonly type: 'not'; readonly start: number; readonly operand: Expr }
  | {
      readonly type: 'binary';
      readonly start: number;
      readonly op: '==' | '!=' | '&&' | '||';
      readonly left: Expr;
      readonly right: Expr;
    }
  | { readonly type: 'call'; readonly start: number; readonly name: string; readonly args: readonly Expr[] };

/** A path segment: a property name or a literal array index. */
export type PathSegment = string | number;

/**
 * The static key path an expression reads, e.g. `workload.primary.host` → ['workload',
 * 'primary', 'host'], or undefined when it is not a plain path (a call, a computed index).
 */
export function staticPath(expr: Expr): PathSegment[] | undefined {
  switch (expr.type) {
    case 'ident':
      return [expr.name];
    case 'member': {
      const base = staticPath(expr.object);
      return base && [...base, expr.property];
    }
    case 'index': {
      const base = staticPath(expr.object);
      const index = expr.index;
      if (!base || index.type !== 'literal') return undefined;
      if (typeof index.value === 'number' || typeof index.value === 'string') return [...base, index.value];
      return undefined;
    }
    default:
      return undefined;
  }
}

/** `workload.replicas[0].host` for ['workload', 'replicas', 0, 'host']. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `['${segment}']`;
  }
  return out;
}
