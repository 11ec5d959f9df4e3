import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { splitArray, splitObject } from '../../../adapters/cassandra/json-split.ts';
import {
  encodeRow,
  floatJson,
  LatestWritetime,
  longText,
  nativeJson,
  rangeQuery,
} from '../../../adapters/cassandra/row-codec.ts';
import { planRow } from '../../../adapters/cassandra/row-plan.ts';
import { statementFor } from '../../../adapters/cassandra/load.ts';
import { cellKind, tableSpec } from '../../../adapters/cassandra/table-spec.ts';
import { MAX_TOKEN, MIN_TOKEN, splitRing } from '../../../adapters/cassandra/token-splits.ts';

const long = (s: string): { toString(): string } => ({ toString: () => s });

const spec = tableSpec(
  'Ks',
  'T',
  [
    { column_name: 'p', kind: 'partition_key', position: 0, type: 'int' },
    { column_name: 'Ck', kind: 'clustering', position: 0, type: 'timeuuid' },
    { column_name: 's', kind: 'static', position: -1, type: 'text' },
    { column_name: 'd', kind: 'regular', position: -1, type: 'double' },
    { column_name: 'l', kind: 'regular', position: -1, type: 'list<int>' },
    { column_name: 'm', kind: 'regular', position: -1, type: 'map<int, text>' },
    { column_name: 'u', kind: 'regular', position: -1, type: 'addr' },
  ],
  new Set(['addr']),
);

describe('cassandra row encoding', () => {
  it.each([
    [
      '[1, "a,]", [2, {"x": [3]}], 12345678901234567890123]',
      ['1', '"a,]"', '[2, {"x": [3]}]', '12345678901234567890123'],
    ],
    ['[]', []],
    ['[ "\\"q\\"" , null ]', ['"\\"q\\""', 'null']],
  ])('splits array %s', (text, parts) => {
    expect(splitArray(text)).toEqual(parts);
  });

  it('splits objects in source order (integer-like keys stay in place)', () => {
    expect(splitObject('{"-1": "a", "1": {"b": 2}, "0": "z"}')).toEqual([
      ['"-1"', '"a"'],
      ['"1"', '{"b": 2}'],
      ['"0"', '"z"'],
    ]);
  });

  it.each([
    [Number.NaN, '"NaN"'],
    [Number.POSITIVE_INFINITY, '"Infinity"'],
    [Number.NEGATIVE_INFINITY, '"-Infinity"'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1e300, '1e+300'],
  ])('encodes double %s as %s', (value, json) => {
    expect(floatJson(value)).toBe(json);
  });

  it.each([
    ['counter', 'counter'],
    ['list<int>', 'multi'],
    ['map<int, text>', 'multi'],
    ['frozen<list<int>>', 'single'],
    ['addr', 'multi'],
    ['frozen<addr>', 'single'],
    ['vector<float, 3>', 'single'],
  ])('cell kind of %s is %s', (type, kind) => {
    expect(cellKind(type, new Set(['addr']))).toBe(kind);
  });

  it('orders columns keys first and selects write times and TTLs (none for list TTL)', () => {
    expect(spec.columns.map((c) => c.name)).toEqual(['p', 'Ck', 's', 'd', 'l', 'm', 'u']);
    expect(rangeQuery(spec)).toBe(
      'SELECT "p", "Ck", "s", writetime("s"), ttl("s"), "d", writetime("d"), ttl("d"), toJson("l"), writetime("l"), toJson("m"), writetime("m"), ttl("m"), toJson("u"), writetime("u"), ttl("u") FROM "Ks"."T" WHERE token("p") > ? AND token("p") <= ?',
    );
  });

  // In column order: p, Ck, s (static), d, l, m, u.
  const values = [
    1,
    long('uuid-1'),
    'st',
    long('90'),
    null,
    Number.NaN,
    long('100'),
    50,
    '[1, 2]',
    [long('100'), long('200')],
    '{"-1": "a", "1": "b"}',
    [long('100'), long('300')],
    [null, 7],
    '{"street": "x", "zip": null}',
    [long('100'), null],
    [null, null],
  ];

  it('encodes a row, leaving statics out on later rows of the partition', () => {
    const latest = new LatestWritetime();
    const first = encodeRow(spec, values, undefined, latest);
    expect(first.line).toBe(
      '[[1,"uuid-1"],[[2,"st",90,0],[3,"NaN",100,50],[4,[1, 2],[100,200],null],[5,{"-1": "a", "1": "b"},[100,300],[0,7]],[6,{"street": "x", "zip": null},[100,null],[0,0]]]]',
    );
    expect(latest.value).toBe(100n);
    const second = encodeRow(spec, values, first.partition);
    expect(second.line).not.toContain('"st"');
    expect(second.canonical).toBe(first.canonical);
  });

  it.each([
    ['text', 'say "hi"\n', '"say \\"hi\\"\\n"'],
    ['int', -5, '-5'],
    ['long', long('9223372036854775807'), '9223372036854775807'],
    ['bool', false, 'false'],
    ['blob', Buffer.from([0, 255]), '"0x00ff"'],
    ['uuid', long('50554d6e-29bb-11e5-b345-feff819cdc9f'), '"50554d6e-29bb-11e5-b345-feff819cdc9f"'],
    ['timestamp', new Date(Date.UTC(2024, 1, 29, 1, 2, 3, 4)), '1709168523004'],
    ['inet', long('::1'), '"::1"'],
  ] as const)('encodes native %s values as fromJson text', (kind, raw, json) => {
    expect(nativeJson(kind, raw)).toBe(json);
  });

  it.each([
    '0',
    '-1',
    '1732550000123456',
    '9007199254740991',
    '-9007199254740992',
    '9007199254740993',
    '-9007199254740993',
    '9223372036854775807',
    '-9223372036854775808',
    '4294967296',
    '-4294967297',
  ])('writes the driver Long %s as its exact decimal text', (text) => {
    expect(longText(cassandra.types.Long.fromString(text))).toBe(text);
  });

  it('keeps the largest write time exactly, also where doubles tie', () => {
    const latest = new LatestWritetime();
    expect(latest.value).toBeUndefined();
    for (const t of ['5', '-7', '9007199254740993', '9007199254740992', '12']) latest.offer(t);
    expect(latest.value).toBe(9007199254740993n);
    latest.offer('9223372036854775807');
    latest.offer('9223372036854775806');
    expect(latest.value).toBe(9223372036854775807n);
  });

  it('canonical encoding ignores TTLs but not write times', () => {
    const a = encodeRow(spec, values, undefined).canonical;
    const ttl = [...values];
    ttl[7] = 10;
    expect(encodeRow(spec, ttl, undefined).canonical).toBe(a);
    const wt = [...values];
    wt[6] = long('101');
    expect(encodeRow(spec, wt, undefined).canonical).not.toBe(a);
  });

  it('plans writes grouped by (write time, TTL), element groups for mixed collections', () => {
    const line = encodeRow(spec, values, undefined).line;
    const plan = planRow(spec, line);
    expect(plan.where).toEqual([
      { column: 'p', json: '1' },
      { column: 'Ck', json: '"uuid-1"' },
    ]);
    expect(plan.ops).toEqual([
      { op: 'insert', cells: [{ column: 's', json: '"st"' }], timestamp: '90', ttl: 0 },
      { op: 'insert', cells: [{ column: 'd', json: '"NaN"' }], timestamp: '100', ttl: 50 },
      {
        op: 'insert',
        cells: [{ column: 'u', json: '{"street": "x", "zip": null}' }],
        timestamp: '100',
        ttl: 0,
      },
      // l: different write times per element → appended one by one, in order.
      { op: 'append', column: 'l', json: '[1]', timestamp: '100', ttl: 0 },
      { op: 'append', column: 'l', json: '[2]', timestamp: '200', ttl: 0 },
      { op: 'append', column: 'm', json: '{"-1":"a"}', timestamp: '100', ttl: 0 },
      { op: 'append', column: 'm', json: '{"1":"b"}', timestamp: '300', ttl: 7 },
    ]);
    // u has one live field (zip null): the whole value goes with its write time.
    const u = planRow(spec, '[[1,"k"],[[6,{"street": "x", "zip": null},[100,null],[0,0]]]]');
    expect(u.ops).toEqual([
      {
        op: 'insert',
        cells: [{ column: 'u', json: '{"street": "x", "zip": null}' }],
        timestamp: '100',
        ttl: 0,
      },
    ]);
  });

  it('plans a static-only partition without clustering and a key-only row', () => {
    expect(planRow(spec, '[[5,null],[[2,"only",90,0]]]').where).toEqual([{ column: 'p', json: '5' }]);
    expect(planRow(spec, '[[5,"k"],[]]').ops).toEqual([
      { op: 'insert', cells: [], timestamp: undefined, ttl: 0 },
    ]);
  });

  it('builds statements with quoted names and bound write times', () => {
    const insert = statementFor(spec, [{ column: 'p', json: '1' }], {
      op: 'insert',
      cells: [{ column: 'Ck', json: '"u"' }],
      timestamp: '9223372036854775807',
      ttl: 5,
    });
    expect(insert.cql).toBe(
      'INSERT INTO "Ks"."T" ("p", "Ck") VALUES (fromJson(?), fromJson(?)) USING TIMESTAMP ? AND TTL ?',
    );
    expect(String(insert.params[2])).toBe('9223372036854775807');
    const field = statementFor(spec, [{ column: 'p', json: '1' }], {
      op: 'field',
      column: 'u',
      field: '"Zip"',
      json: '7',
      timestamp: '1',
      ttl: 0,
    });
    expect(field.cql).toBe(
      'UPDATE "Ks"."T" USING TIMESTAMP ? AND TTL ? SET "u"."Zip" = fromJson(?) WHERE "p" = fromJson(?)',
    );
  });

  it('splits the ring into contiguous ranges covering every token', () => {
    for (const n of [1, 3, 8]) {
      const splits = splitRing(n);
      expect(splits).toHaveLength(n);
      expect(splits[0]?.start).toBe(MIN_TOKEN);
      expect(splits.at(-1)?.end).toBe(MAX_TOKEN);
      for (let i = 1; i < n; i++) expect(splits[i]?.start).toBe(splits[i - 1]?.end);
    }
  });
});
