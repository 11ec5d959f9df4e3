import { staticPath, type Expr, type PathSegment } from './ast.ts';

/** A key path an expression reads, with the offset of its first character. */
export interface Reference {
  readonly path: readonly PathSegment[];
  readonly start: number;
}

/** Every maximal static key path read by `expr` (for offline checks), plus called function names. */
export function collectReferences(expr: Expr): {
  paths: Reference[];
  calls: { name: string; arity: number; start: number }[];
} {
  const paths: Reference[] = [];
  const calls: { name: string; arity: number; start: number }[] = [];
  const visit = (node: Expr): void => {
    switch (node.type) {
      case 'literal':
        return;
      case 'ident':
      case 'member':
      case 'index': {
        const path = staticPath(node);
        if (path) {
          paths.push({ path, start: node.start });
          return;
        }
        // A computed index: the object's path is still checked, and the index expression.
        if (node.type === 'member') visit(node.object);
        if (node.type === 'index') {
          visit(node.object);
          visit(node.index);
        }
        return;
      }
      case 'not':
        visit(node.operand);
        return;
      case 'binary':
        visit(node.left);
        visit(node.right);
        return;
      case 'call':
        calls.push({ name: node.name, arity: node.args.length, start: node.start });
        node.args.forEach(visit);
        return;
    }
  };
  visit(expr);
  return { paths, calls };
}
