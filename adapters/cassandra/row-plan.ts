/**
 * Turning one stored line back into writes (pure). Cells that share a write time and TTL
 * are written by one `INSERT … USING TIMESTAMP ? AND TTL ?`; non-frozen collections and
 * UDTs whose elements differ in write time or TTL are added element-group by
 * element-group with `UPDATE … SET c = c + …` (list elements one by one, in order, so the
 * list keeps its order); counters are added with `UPDATE … SET c = c + ?`.
 */
import { splitArray, splitObject } from './json-split.ts';
import { keyCount, type ColumnSpec, type TableSpec } from './table-spec.ts';

/** A column and its value, as JSON text for `fromJson`. */
export interface ColumnValue {
  readonly column: string;
  readonly json: string;
}

export type RowOp =
  /** INSERT the key columns plus `cells`; `timestamp` undefined for a key-only row. */
  | {
      readonly op: 'insert';
      readonly cells: readonly ColumnValue[];
      readonly timestamp: string | undefined;
      readonly ttl: number;
    }
  /** UPDATE … SET column = column + json. */
  | {
      readonly op: 'append';
      readonly column: string;
      readonly json: string;
      readonly timestamp: string;
      readonly ttl: number;
    }
  /** UPDATE … SET column.field = json (non-frozen UDT field; `field` is CQL text). */
  | {
      readonly op: 'field';
      readonly column: string;
      readonly field: string;
      readonly json: string;
      readonly timestamp: string;
      readonly ttl: number;
    }
  /** UPDATE … SET c = c + delta for each counter. */
  | { readonly op: 'counter'; readonly cells: readonly ColumnValue[] };

/** A parsed row: key values (JSON text, `null` for a static-only row's clustering) and writes. */
export interface PlannedRow {
  /** Key columns to address the row (clustering left out for static-only rows). */
  readonly where: readonly ColumnValue[];
  readonly ops: readonly RowOp[];
}

function num(text: string | undefined): number {
  return text === undefined || text === 'null' ? 0 : Number(text);
}

/** Split a multi-cell value into its elements: `[key, element]` pairs, key '' for lists/sets. */
function elements(col: ColumnSpec, json: string): { key: string; value: string }[] {
  if (/^\s*map\s*</i.test(col.type)) return splitObject(json).map(([key, value]) => ({ key, value }));
  if (/^\s*(list|set)\s*</i.test(col.type)) return splitArray(json).map((value) => ({ key: '', value }));
  return splitObject(json).map(([key, value]) => ({ key, value })); // UDT fields
}

/** CQL text for a UDT field named by its `toJson` key (quoted there when case-sensitive). */
function fieldIdent(keyJson: string): string {
  const name = JSON.parse(keyJson) as string;
  return name.startsWith('"') ? name : `"${name.replaceAll('"', '""')}"`;
}

function multiOps(
  col: ColumnSpec,
  json: string,
  wts: readonly string[],
  ttls: readonly string[],
  groups: Map<string, ColumnValue[]>,
  ops: RowOp[],
): void {
  const live = wts.map((w, i) => ({ w, t: ttls[i] ?? '0' })).filter((x) => x.w !== 'null');
  const first = live[0];
  if (first && live.every((x) => x.w === first.w && num(x.t) === num(first.t))) {
    const key = `${first.w}|${num(first.t)}`;
    groups.set(key, [...(groups.get(key) ?? []), { column: col.name, json }]);
    return;
  }
  const parts = elements(col, json);
  const isList = /^\s*list\s*</i.test(col.type);
  const isUdt = !/^\s*(list|set|map)\s*</i.test(col.type);
  if (isList || isUdt) {
    parts.forEach((p, i) => {
      const w = wts[i];
      if (w === undefined || w === 'null') return;
      const ttl = num(ttls[i]);
      if (isList) ops.push({ op: 'append', column: col.name, json: `[${p.value}]`, timestamp: w, ttl });
      else
        ops.push({
          op: 'field',
          column: col.name,
          field: fieldIdent(p.key),
          json: p.value,
          timestamp: w,
          ttl,
        });
    });
    return;
  }
  const byTime = new Map<string, { w: string; ttl: number; parts: typeof parts }>();
  parts.forEach((p, i) => {
    const w = wts[i] ?? 'null';
    const ttl = num(ttls[i]);
    const key = `${w}|${ttl}`;
    const g = byTime.get(key) ?? { w, ttl, parts: [] };
    g.parts.push(p);
    byTime.set(key, g);
  });
  const isMap = /^\s*map\s*</i.test(col.type);
  for (const g of byTime.values()) {
    const body = isMap
      ? `{${g.parts.map((p) => `${p.key}:${p.value}`).join(',')}}`
      : `[${g.parts.map((p) => p.value).join(',')}]`;
    ops.push({ op: 'append', column: col.name, json: body, timestamp: g.w, ttl: g.ttl });
  }
}

/** Plan the writes that recreate one stored `line` of `spec`. Throws SyntaxError on a bad line. */
export function planRow(spec: TableSpec, line: string): PlannedRow {
  const [keyText, cellText] = splitArray(line);
  if (keyText === undefined || cellText === undefined) throw new SyntaxError('row line needs [keys, cells]');
  const keys = splitArray(keyText);
  const nk = keyCount(spec);
  if (keys.length !== nk) throw new SyntaxError(`row has ${keys.length} key values, table has ${nk}`);
  const where: ColumnValue[] = [];
  keys.forEach((json, i) => {
    const col = spec.columns[i] as ColumnSpec;
    if (json !== 'null' || col.kind === 'partition_key') where.push({ column: col.name, json });
  });
  const groups = new Map<string, ColumnValue[]>();
  const ops: RowOp[] = [];
  const counters: ColumnValue[] = [];
  for (const cellJson of splitArray(cellText)) {
    const parts = splitArray(cellJson);
    const col = spec.columns[Number(parts[0])];
    const json = parts[1];
    if (col === undefined || json === undefined) throw new SyntaxError(`bad cell ${cellJson.slice(0, 60)}`);
    if (col.cell === 'counter') {
      counters.push({ column: col.name, json });
    } else if (col.cell === 'multi') {
      const ttls = parts[3] === undefined || parts[3] === 'null' ? [] : splitArray(parts[3]);
      multiOps(col, json, splitArray(parts[2] ?? '[]'), ttls, groups, ops);
    } else {
      const key = `${parts[2] ?? 'null'}|${num(parts[3])}`;
      groups.set(key, [...(groups.get(key) ?? []), { column: col.name, json }]);
    }
  }
  const inserts: RowOp[] = [...groups.entries()].map(([key, cells]) => {
    const [w = 'null', ttl = '0'] = key.split('|');
    return { op: 'insert', cells, timestamp: w === 'null' ? undefined : w, ttl: Number(ttl) };
  });
  if (counters.length > 0) inserts.push({ op: 'counter', cells: counters });
  if (inserts.length === 0 && ops.length === 0 && !spec.counter) {
    inserts.push({ op: 'insert', cells: [], timestamp: undefined, ttl: 0 });
  }
  return { where, ops: [...inserts, ...ops] };
}
