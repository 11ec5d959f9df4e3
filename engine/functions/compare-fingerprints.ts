import { z } from 'zod';
import { LifeboatError, UsageError } from '../errors.ts';
import type { Fingerprint } from '../model/index.ts';
import { defineFunction } from './define-function.ts';

const FingerprintSchema = z.record(z.string(), z.object({ rows: z.number(), hash: z.string() }));

/** One table whose content differs between two fingerprints. */
export interface FingerprintDifference {
  readonly table: string;
  readonly expected?: { readonly rows: number; readonly hash: string };
  readonly actual?: { readonly rows: number; readonly hash: string };
}

/** Every table that differs (missing, extra, other rows or hash), sorted by name. */
export function diffFingerprints(expected: Fingerprint, actual: Fingerprint): FingerprintDifference[] {
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const differences: FingerprintDifference[] = [];
  for (const table of tables) {
    const e = expected[table];
    const a = actual[table];
    if (e && a && e.rows === a.rows && e.hash === a.hash) continue;
    differences.push({ table, ...(e && { expected: e }), ...(a && { actual: a }) });
  }
  return differences;
}

function describe(d: FingerprintDifference): string {
  if (!d.actual) return `${d.table}: missing`;
  if (!d.expected) return `${d.table}: unexpected table`;
  if (d.expected.rows !== d.actual.rows)
    return `${d.table}: ${d.actual.rows} rows, expected ${d.expected.rows}`;
  return `${d.table}: content differs`;
}

/**
 * Table names are qualified `database.schema.table` (or `database.table`); after a restore
 * into renamed databases the expected names move with them.
 */
export function renameDatabases(
  fingerprint: Fingerprint,
  rename: Readonly<Record<string, string>>,
): Fingerprint {
  if (Object.keys(rename).length === 0) return fingerprint;
  return Object.fromEntries(
    Object.entries(fingerprint).map(([table, value]) => {
      const dot = table.indexOf('.');
      const database = dot < 0 ? table : table.slice(0, dot);
      const target = rename[database];
      return [target === undefined ? table : `${target}${table.slice(database.length)}`, value];
    }),
  );
}

/** Verify step: fails listing every differing table (a drill reports all, not the first). */
export const compareFingerprintsFunction = defineFunction({
  name: 'compareFingerprints',
  description: 'Compare a fingerprint taken now with the one recorded at capture; fail on any difference.',
  args: z.strictObject({
    expected: FingerprintSchema.nullable(),
    actual: FingerprintSchema,
    rename: z
      .record(z.string(), z.string())
      .default({})
      .describe('original database → restored database, applied to the expected table names'),
  }),
  outputs: ['tables', 'differences'],
  exec(args) {
    if (args.expected === null) {
      return Promise.reject(new UsageError('no fingerprint was recorded at capture to compare with'));
    }
    const differences = diffFingerprints(renameDatabases(args.expected, args.rename), args.actual);
    if (differences.length) {
      const shown = differences.slice(0, 20).map(describe).join('; ');
      const more = differences.length > 20 ? ` (and ${differences.length - 20} more)` : '';
      return Promise.reject(
        new LifeboatError(`fingerprints differ in ${differences.length} table(s): ${shown}${more}`),
      );
    }
    return Promise.resolve({ tables: Object.keys(args.expected).length, differences: [] });
  },
});
