import { describe, expect, it } from 'vitest';
import { drillTablesOf } from '../../../engine/controller/drill-tables.ts';
import { DRILL_STATUS_MAX_TABLES, DrillStatusSchema } from '../../../engine/kube/api/v1alpha1/index.ts';
import type { DrillMember } from '../../../engine/runs/index.ts';

const member = (name: string, differences: DrillMember['differences']): DrillMember => ({
  member: name,
  engine: 'postgres',
  server: 'postgres://db:5432',
  passed: differences.length === 0,
  databases: [{ original: 'shop', scratch: 'shop_drill_x', passed: differences.length === 0 }],
  restore: { status: 'succeeded', durationMs: 10, bytes: 100 },
  verify: { status: differences.length === 0 ? 'succeeded' : 'failed', durationMs: 5, tables: 3 },
  differences,
  cleanup: 'dropped',
});

describe('drillTablesOf', () => {
  it('lists every differing table by member, database and the rest of the name, with the problem', () => {
    const status = drillTablesOf({
      members: [
        member('db', [
          {
            table: 'shop.public.orders',
            expected: { rows: 8000, hash: 'a' },
            actual: { rows: 7999, hash: 'b' },
          },
          { table: 'shop.public.items', expected: { rows: 3, hash: 'a' }, actual: { rows: 3, hash: 'c' } },
          { table: 'shop.public.gone', expected: { rows: 5, hash: 'a' } },
        ]),
        member('ok', []),
        member('docs', [
          { table: 'app.extra', actual: { rows: 1, hash: 'd' } },
          { table: 'bare', actual: { rows: 2, hash: 'e' } },
        ]),
      ],
    });
    expect(status).toEqual({
      tables: [
        {
          member: 'db',
          database: 'shop',
          table: 'public.orders',
          expectedRows: 8000,
          actualRows: 7999,
          problem: 'rowCount',
        },
        {
          member: 'db',
          database: 'shop',
          table: 'public.items',
          expectedRows: 3,
          actualRows: 3,
          problem: 'content',
        },
        { member: 'db', database: 'shop', table: 'public.gone', expectedRows: 5, problem: 'missing' },
        { member: 'docs', database: 'app', table: 'extra', actualRows: 1, problem: 'unexpected' },
        { member: 'docs', database: '', table: 'bare', actualRows: 2, problem: 'unexpected' },
      ],
    });
    // No fingerprint hash reaches the status.
    expect(JSON.stringify(status)).not.toMatch(/hash/);
    expect(DrillStatusSchema.safeParse(status).success).toBe(true);
  });

  it('is an empty list when nothing differs', () => {
    expect(drillTablesOf({ members: [member('db', [])] })).toEqual({ tables: [] });
  });

  it(`keeps the first ${DRILL_STATUS_MAX_TABLES} tables and says that more differed`, () => {
    const diffs = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ table: `shop.public.t${i}`, expected: { rows: i, hash: 'a' } }));
    const exact = drillTablesOf({ members: [member('db', diffs(DRILL_STATUS_MAX_TABLES))] });
    expect(exact.tables).toHaveLength(DRILL_STATUS_MAX_TABLES);
    expect(exact.tablesTruncated).toBeUndefined();

    const over = drillTablesOf({
      members: [member('a', diffs(30)), member('b', diffs(30))],
    });
    expect(over.tables).toHaveLength(DRILL_STATUS_MAX_TABLES);
    expect(over.tablesTruncated).toBe(true);
    expect(over.tables.at(-1)).toMatchObject({ member: 'b', table: 'public.t19' });
    expect(DrillStatusSchema.safeParse(over).success).toBe(true);
    // The CRD schema itself refuses a longer list.
    const tooMany = { tables: [...over.tables, over.tables[0]] };
    expect(DrillStatusSchema.safeParse(tooMany).success).toBe(false);
  });
});
