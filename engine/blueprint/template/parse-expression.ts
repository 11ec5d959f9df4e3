/**
 * Parser for the template expression language: a deliberately tiny, side-effect-free
 * subset of GitHub Actions expressions. Nothing here can run code: the grammar only has
 * paths, literals, comparison, boolean logic and a fixed set of functions.
 *
 *   expr    := or
 *   or      := and ('||' and)*
 *   and     := eq ('&&' eq)*
 *   eq      := unary (('==' | '!=') unary)*
 *   unary   := '!' unary | postfix
 *   postfix := primary ('.' ident | '[' expr ']')*
 *   primary := literal | ident | ident '(' args ')' | '(' expr ')'
 */
import type { Expr } from './ast.ts';

/** A syntax error at `offset` within the expression text. */
export class ExpressionSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ExpressionSyntaxError';
    this.offset = offset;
  }
}

type Token =
  | { kind: 'ident'; value: string; start: number }
  | { kind: 'string'; value: string; start: number }
  | { kind: 'number'; value: number; start: number }
  | { kind: 'punct'; value: string; start: number }
  | { kind: 'end'; start: number };

const PUNCT = ['==', '!=', '&&', '||', '!', '.', '[', ']', '(', ')', ','] as const;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      // Quotes double to escape themselves, as in GitHub Actions: 'it''s'.
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new ExpressionSyntaxError('unterminated string literal', i);
        const c = text.charAt(j);
        if (c === ch) {
          if (text.charAt(j + 1) === ch) {
            value += ch;
            j += 2;
            continue;
          }
          break;
        }
        value += c;
        j++;
      }
      tokens.push({ kind: 'string', value, start: i });
      i = j + 1;
      continue;
    }
    const number = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (number && (ch !== '-' || /[\d.]/.test(text.charAt(i + 1)))) {
      tokens.push({ kind: 'number', value: Number(number[0]), start: i });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][\w-]*/.exec(text.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', value: ident[0], start: i });
      i += ident[0].length;
      continue;
    }
    const punct = PUNCT.find((p) => text.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: 'punct', value: punct, start: i });
      i += punct.length;
      continue;
    }
    throw new ExpressionSyntaxError(`unexpected character '${ch}'`, i);
  }
  tokens.push({ kind: 'end', start: text.length });
  return tokens;
}

/** Parse one expression; throws ExpressionSyntaxError with the offending offset. */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos] ?? { kind: 'end', start: text.length };
  const next = (): Token => {
    const token = peek();
    pos++;
    return token;
  };
  const isPunct = (value: string): boolean => {
    const token = peek();
    return token.kind === 'punct' && token.value === value;
  };
  const expect = (value: string): void => {
    const token = next();
    if (token.kind !== 'punct' || token.value !== value) {
      throw new ExpressionSyntaxError(`expected '${value}' but found ${describe(token)}`, token.start);
    }
  };

  const parseOr = (): Expr => {
    let left = parseAnd();
    while (isPunct('||')) {
      const start = next().start;
      left = { type: 'binary', op: '||', left, right: parseAnd(), start };
    }
    return left;
  };
  const parseAnd = (): Expr => {
    let left = parseEq();
    while (isPunct('&&')) {
      const start = next().start;
      left = { type: 'binary', op: '&&', left, right: parseEq(), start };
    }
    return left;
  };
  const parseEq = (): Expr => {
    let left = parseUnary();
    while (isPunct('==') || isPunct('!=')) {
      const token = next();
      const op = token.kind === 'punct' && token.value === '==' ? '==' : '!=';
      left = { type: 'binary', op, left, right: parseUnary(), start: token.start };
    }
    return left;
  };
  const parseUnary = (): Expr => {
    if (isPunct('!')) {
      const start = next().start;
      return { type: 'not', operand: parseUnary(), start };
    }
    return parsePostfix();
  };
  const parsePostfix = (): Expr => {
    let expr = parsePrimary();
    for (;;) {
      if (isPunct('.')) {
        next();
        const token = next();
        if (token.kind !== 'ident') {
          throw new ExpressionSyntaxError(
            `expected a key after '.' but found ${describe(token)}`,
            token.start,
          );
        }
        expr = { type: 'member', object: expr, property: token.value, start: expr.start };
      } else if (isPunct('[')) {
        next();
        const index = parseOr();
        expect(']');
        expr = { type: 'index', object: expr, index, start: expr.start };
      } else {
        return expr;
      }
    }
  };
  const parsePrimary = (): Expr => {
    const token = next();
    switch (token.kind) {
      case 'string':
      case 'number':
        return { type: 'literal', value: token.value, start: token.start };
      case 'ident': {
        if (token.value === 'true' || token.value === 'false') {
          return { type: 'literal', value: token.value === 'true', start: token.start };
        }
        if (token.value === 'null') return { type: 'literal', value: null, start: token.start };
        if (isPunct('(')) {
          next();
          const args: Expr[] = [];
          if (!isPunct(')')) {
            args.push(parseOr());
            while (isPunct(',')) {
              next();
              args.push(parseOr());
            }
          }
          expect(')');
          return { type: 'call', name: token.value, args, start: token.start };
        }
        return { type: 'ident', name: token.value, start: token.start };
      }
      case 'punct':
        if (token.value === '(') {
          const inner = parseOr();
          expect(')');
          return inner;
        }
        throw new ExpressionSyntaxError(`unexpected ${describe(token)}`, token.start);
      case 'end':
        throw new ExpressionSyntaxError('unexpected end of expression', token.start);
    }
  };

  const expr = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') throw new ExpressionSyntaxError(`unexpected ${describe(rest)}`, rest.start);
  return expr;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of expression';
    case 'string':
      return `string '${token.value}'`;
    case 'number':
      return `number ${token.value}`;
    default:
      return `'${token.value}'`;
  }
}
