/**
 * Every value of charts/lifeboat/values.yaml carries a comment (its own or, for the keys
 * of a documented map such as `resources`, its parent's) and a row in the chart README.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isMap, isScalar, parseDocument, type Node, type Pair } from 'yaml';
import { describe, expect, it } from 'vitest';

const CHART = resolve(import.meta.dirname, '../../../charts/lifeboat');

interface Value {
  readonly path: string;
  readonly documented: boolean;
}

/** Leaf values (or maps documented as a whole) with whether a comment explains them. */
function values(node: Node | null, prefix: string, parentDocumented: boolean): Value[] {
  if (!isMap(node)) return [];
  // A comment above the first key of a nested map is stored on the map itself.
  const firstComment = Boolean(node.commentBefore);
  return node.items.flatMap((pair: Pair, index) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const path = prefix ? `${prefix}.${key}` : key;
    const comment = Boolean((pair.key as Node | null)?.commentBefore) || (index === 0 && firstComment);
    if (isMap(pair.value) && !comment) return values(pair.value, path, parentDocumented);
    return [{ path, documented: comment || parentDocumented }];
  });
}

describe('charts/lifeboat values', () => {
  it('every value has a comment in values.yaml and a row in the README values table', async () => {
    const doc = parseDocument(await readFile(resolve(CHART, 'values.yaml'), 'utf8'));
    const readme = await readFile(resolve(CHART, 'README.md'), 'utf8');
    const all = values(doc.contents, '', false);
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((v) => !v.documented).map((v) => v.path)).toEqual([]);
    // The first cell of each table row names one or more values: `a`, `b`.
    const firstCells = [...readme.matchAll(/^\| ([^|]+)\|/gm)].map((m) => m[1] ?? '');
    const tableKeys = new Set(
      firstCells.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])),
    );
    expect(all.filter((v) => !tableKeys.has(v.path)).map((v) => v.path)).toEqual([]);
  });
});
