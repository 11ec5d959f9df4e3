/**
 * The fixed set of functions a template expression may call. Each is pure and total:
 * no I/O, no access to anything outside its arguments.
 */
export interface TemplateBuiltin {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly description: string;
  call(args: readonly unknown[]): unknown;
}

/** Truthiness as in GitHub Actions: false, 0, '', null are false; everything else true. */
export function truthy(value: unknown): boolean {
  return !(value === false || value === 0 || value === '' || value === null || value === undefined);
}

/** How a value reads inside a longer string: strings verbatim, null empty, the rest as JSON. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export const TEMPLATE_BUILTINS: Readonly<Record<string, TemplateBuiltin>> = {
  default: {
    minArgs: 2,
    maxArgs: 2,
    description: 'default(x, y): x unless it is null or empty, else y',
    call: ([x, y]) => (x === null || x === undefined || x === '' ? y : x),
  },
  join: {
    minArgs: 1,
    maxArgs: 2,
    description: "join(list, sep): the list's items as strings joined by sep (default ',')",
    call: ([list, sep]) =>
      Array.isArray(list)
        ? list.map((item) => stringify(item)).join(sep === undefined ? ',' : stringify(sep))
        : stringify(list),
  },
  toJson: {
    minArgs: 1,
    maxArgs: 1,
    description: 'toJson(x): x as compact JSON',
    call: ([x]) => JSON.stringify(x ?? null),
  },
  lines: {
    minArgs: 1,
    maxArgs: 1,
    description:
      'lines(text): the lines of a command output, without line ends and without the trailing empty line, e.g. lines(x)[1]',
    call: ([text]) => {
      const lines = stringify(text).split(/\r?\n/);
      if (lines.at(-1) === '') lines.pop();
      return lines;
    },
  },
  trim: {
    minArgs: 1,
    maxArgs: 1,
    description: 'trim(text): text without leading and trailing whitespace',
    call: ([text]) => stringify(text).trim(),
  },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    description: 'contains(listOrString, item): true when the list holds item or the string contains it',
    call: ([haystack, needle]) => {
      if (Array.isArray(haystack)) return haystack.includes(needle);
      if (typeof haystack === 'string') return haystack.includes(stringify(needle));
      return false;
    },
  },
};
