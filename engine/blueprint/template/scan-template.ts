/** Split a string into literal text and `${{ expr }}` expressions. */
import type { Expr } from './ast.ts';
import { ExpressionSyntaxError, parseExpression } from './parse-expression.ts';

export type TemplatePart =
  | { readonly kind: 'text'; readonly value: string }
  | {
      readonly kind: 'expr';
      /** The expression text between the braces, trimmed. */
      readonly source: string;
      /** Offset of `${{` in the template string. */
      readonly offset: number;
      readonly expr: Expr;
    };

/** True when the string contains at least one `${{`. */
export function hasTemplate(text: string): boolean {
  return text.includes('${{');
}

/**
 * Parse a template string. Throws ExpressionSyntaxError (offset relative to `text`) on an
 * unterminated `${{` or a bad expression. `}}` inside a quoted literal does not close.
 */
export function scanTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('${{', i);
    if (open < 0) {
      parts.push({ kind: 'text', value: text.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', value: text.slice(i, open) });
    const bodyStart = open + 3;
    let j = bodyStart;
    let quote: string | undefined;
    let close = -1;
    while (j < text.length) {
      const c = text.charAt(j);
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') {
        quote = c;
      } else if (c === '}' && text.charAt(j + 1) === '}') {
        close = j;
        break;
      }
      j++;
    }
    if (close < 0) throw new ExpressionSyntaxError("'${{' is not closed by '}}'", open);
    const raw = text.slice(bodyStart, close);
    const lead = raw.length - raw.trimStart().length;
    const source = raw.trim();
    if (!source) throw new ExpressionSyntaxError('empty expression', open);
    let expr: Expr;
    try {
      expr = parseExpression(source);
    } catch (error) {
      if (error instanceof ExpressionSyntaxError) {
        throw new ExpressionSyntaxError(error.message, bodyStart + lead + error.offset);
      }
      throw error;
    }
    parts.push({ kind: 'expr', source, offset: open, expr });
    i = close + 2;
  }
  return parts;
}

/** The single expression when the whole string (ignoring surrounding blanks) is `${{ … }}`. */
export function wholeExpression(
  parts: readonly TemplatePart[],
): (TemplatePart & { kind: 'expr' }) | undefined {
  const meaningful = parts.filter((p) => p.kind === 'expr' || p.value.trim() !== '');
  const only = meaningful[0];
  return meaningful.length === 1 && only?.kind === 'expr' ? only : undefined;
}
