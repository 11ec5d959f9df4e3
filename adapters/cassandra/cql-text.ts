/**
 * Pure CQL text helpers: quoting identifiers, a small tokenizer, and the rewrites a
 * restore needs on the server's own `DESCRIBE` output (rename the keyspace, add
 * `IF NOT EXISTS`). Working on tokens, not on raw text, keeps string literals (table
 * comments, compaction options) and look-alike words untouched.
 */

/** Always-quoted CQL identifier: `"name"` with `"` doubled. Quoting is valid for every name. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A CQL token. `ident` covers unquoted words (including keywords) and quoted identifiers. */
export interface CqlToken {
  readonly kind: 'space' | 'comment' | 'string' | 'ident' | 'quoted' | 'number' | 'punct';
  readonly text: string;
}

/** Split CQL into tokens; concatenating every token's `text` gives the input back. */
export function tokenize(cql: string): CqlToken[] {
  const out: CqlToken[] = [];
  let i = 0;
  const n = cql.length;
  while (i < n) {
    const c = cql[i] ?? '';
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(cql[i] ?? '')) i++;
      out.push({ kind: 'space', text: cql.slice(start, i) });
    } else if ((c === '-' && cql[i + 1] === '-') || (c === '/' && cql[i + 1] === '/')) {
      while (i < n && cql[i] !== '\n') i++;
      out.push({ kind: 'comment', text: cql.slice(start, i) });
    } else if (c === '/' && cql[i + 1] === '*') {
      const end = cql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out.push({ kind: 'comment', text: cql.slice(start, i) });
    } else if (c === "'") {
      i++;
      while (i < n) {
        if (cql[i] === "'") {
          if (cql[i + 1] === "'") i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      out.push({ kind: 'string', text: cql.slice(start, i) });
    } else if (c === '$' && cql[i + 1] === '$') {
      const end = cql.indexOf('$$', i + 2);
      i = end < 0 ? n : end + 2;
      out.push({ kind: 'string', text: cql.slice(start, i) });
    } else if (c === '"') {
      i++;
      while (i < n) {
        if (cql[i] === '"') {
          if (cql[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      out.push({ kind: 'quoted', text: cql.slice(start, i) });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_]/.test(cql[i] ?? '')) i++;
      out.push({ kind: 'ident', text: cql.slice(start, i) });
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_]/.test(cql[i] ?? '')) i++;
      out.push({ kind: 'number', text: cql.slice(start, i) });
    } else {
      i++;
      out.push({ kind: 'punct', text: c });
    }
  }
  return out;
}

/** The name an identifier token denotes: unquoted words fold to lower case. */
export function identName(token: CqlToken): string | undefined {
  if (token.kind === 'ident') return token.text.toLowerCase();
  if (token.kind === 'quoted') return token.text.slice(1, -1).replaceAll('""', '"');
  return undefined;
}

/** Parse a possibly quoted identifier as `DESCRIBE` prints it (`"Ex"` or `inner`). */
export function parseIdent(text: string): string {
  const [token] = tokenize(text.trim());
  return (token && identName(token)) ?? text;
}

function nextSolid(tokens: readonly CqlToken[], from: number): number {
  let i = from;
  while (i < tokens.length && (tokens[i]?.kind === 'space' || tokens[i]?.kind === 'comment')) i++;
  return i;
}

const CREATE_KINDS: Readonly<Record<string, number>> = {
  keyspace: 1,
  type: 1,
  table: 1,
  index: 1,
  custom: 2, // CUSTOM INDEX
  materialized: 2, // MATERIALIZED VIEW
  function: 1,
  aggregate: 1,
};

/**
 * Rewrite one `CREATE …` statement: every keyspace-qualified name `from.x` becomes
 * `"to".x`, the name of `CREATE KEYSPACE from` becomes `"to"`, and `IF NOT EXISTS` is
 * added when `ifNotExists` (never to `CREATE OR REPLACE`). Everything else is kept byte
 * for byte. Pure.
 */
export function rewriteCreate(cql: string, from: string, to: string, ifNotExists: boolean): string {
  const tokens = tokenize(cql);
  const out = tokens.map((t) => t.text);
  let i = nextSolid(tokens, 0);
  const first = tokens[i];
  if (first && identName(first) === 'create') {
    const k = nextSolid(tokens, i + 1);
    const kindToken = tokens[k];
    const kind = kindToken ? identName(kindToken) : undefined;
    const words = kind === undefined ? undefined : CREATE_KINDS[kind];
    if (words !== undefined) {
      const keyspaceStatement = kind === 'keyspace';
      const headerEnd = words === 2 ? nextSolid(tokens, k + 1) : k;
      const after = nextSolid(tokens, headerEnd + 1);
      const afterToken = tokens[after];
      const already = afterToken !== undefined && identName(afterToken) === 'if';
      if (ifNotExists && !already) out[headerEnd] = `${tokens[headerEnd]?.text ?? ''} IF NOT EXISTS`;
      if (keyspaceStatement) {
        let nameAt = after;
        if (already) nameAt = nextSolid(tokens, nextSolid(tokens, nextSolid(tokens, after + 1) + 1) + 1);
        const nameToken = tokens[nameAt];
        if (nameToken && identName(nameToken) === from) out[nameAt] = quoteIdent(to);
      }
    }
  }
  for (i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted') || identName(t) !== from) continue;
    const dot = nextSolid(tokens, i + 1);
    if (tokens[dot]?.text !== '.') continue;
    const member = tokens[nextSolid(tokens, dot + 1)];
    if (member && (member.kind === 'ident' || member.kind === 'quoted')) out[i] = quoteIdent(to);
  }
  return out.join('');
}

/** Names of identifiers used in `cql` (lower-cased unless quoted). Pure. */
export function identifiersIn(cql: string): Set<string> {
  const names = new Set<string>();
  for (const t of tokenize(cql)) {
    const name = identName(t);
    if (name !== undefined) names.add(name);
  }
  return names;
}

/**
 * Order user-defined types so each comes after the types its fields use (stable by
 * input order otherwise). Throws on a cycle, which Cassandra itself never allows. Pure.
 */
export function orderTypes<T extends { readonly name: string; readonly cql: string }>(
  types: readonly T[],
): T[] {
  const names = new Set(types.map((t) => t.name));
  const deps = new Map(
    types.map((t) => {
      const used = identifiersIn(t.cql.slice(t.cql.indexOf('(')));
      return [t.name, [...used].filter((u) => names.has(u) && u !== t.name)] as const;
    }),
  );
  const done = new Set<string>();
  const out: T[] = [];
  while (out.length < types.length) {
    const ready = types.find((t) => !done.has(t.name) && (deps.get(t.name) ?? []).every((d) => done.has(d)));
    if (!ready)
      throw new Error(`user-defined types reference each other in a cycle: ${[...names].join(', ')}`);
    done.add(ready.name);
    out.push(ready);
  }
  return out;
}
