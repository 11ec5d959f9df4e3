/**
 * Splitting JSON text into its top-level parts without parsing the values (pure). Values
 * stay exact source text: `JSON.parse` would round big varints and reorder integer-like
 * map keys, and Cassandra's `fromJson` wants the text anyway.
 */

/** Find where the JSON value starting at `from` ends (exclusive). */
function valueEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      if (depth === 0) return i;
      continue;
    }
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (c === ',' || c === ':')) return i;
    i++;
  }
  return i;
}

function skipSpace(text: string, i: number): number {
  let j = i;
  while (j < text.length && /\s/.test(text[j] ?? '')) j++;
  return j;
}

function container(text: string, open: string): { body: number; end: number } {
  const start = skipSpace(text, 0);
  if (text[start] !== open) throw new SyntaxError(`expected ${open} in JSON text: ${text.slice(0, 80)}`);
  return { body: start + 1, end: text.length };
}

/** The elements of a JSON array, as source text. */
export function splitArray(text: string): string[] {
  const { body } = container(text, '[');
  const out: string[] = [];
  let i = skipSpace(text, body);
  if (text[i] === ']') return out;
  for (;;) {
    const end = valueEnd(text, i);
    out.push(text.slice(i, end).trim());
    i = skipSpace(text, end);
    if (text[i] === ',') i = skipSpace(text, i + 1);
    else if (text[i] === ']') return out;
    else throw new SyntaxError(`malformed JSON array: ${text.slice(0, 80)}`);
  }
}

/** The entries of a JSON object in source order, as `[key text, value text]`. */
export function splitObject(text: string): [string, string][] {
  const { body } = container(text, '{');
  const out: [string, string][] = [];
  let i = skipSpace(text, body);
  if (text[i] === '}') return out;
  for (;;) {
    const keyEnd = valueEnd(text, i);
    const key = text.slice(i, keyEnd).trim();
    i = skipSpace(text, keyEnd);
    if (text[i] !== ':') throw new SyntaxError(`malformed JSON object: ${text.slice(0, 80)}`);
    i = skipSpace(text, i + 1);
    const end = valueEnd(text, i);
    out.push([key, text.slice(i, end).trim()]);
    i = skipSpace(text, end);
    if (text[i] === ',') i = skipSpace(text, i + 1);
    else if (text[i] === '}') return out;
    else throw new SyntaxError(`malformed JSON object: ${text.slice(0, 80)}`);
  }
}
