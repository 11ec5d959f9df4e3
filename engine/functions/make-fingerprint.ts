import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Fingerprint, Marker } from '../model/index.ts';
import { defineFunction } from './define-function.ts';

const count = z
  .union([z.int().min(0), z.string().regex(/^\s*\d+\s*$/, 'must be a whole number')])
  .transform((v) => (typeof v === 'number' ? v : Number(v.trim())));

/**
 * Build a fingerprint from what commands printed, for engines without an adapter: per
 * table a row count and a content summary (e.g. a server's own digest, or sorted keys),
 * hashed with SHA-256 so any text works. A backup phase's fingerprint and markers are what
 * the manifest records; a verify phase compares a new one with it (`compareFingerprints`).
 */
export const makeFingerprintFunction = defineFunction({
  name: 'makeFingerprint',
  description:
    'Build a fingerprint (rows and a SHA-256 of `content` per table) and markers from command output.',
  args: z.strictObject({
    tables: z
      .record(
        z.string().min(1),
        z.strictObject({
          rows: count.describe('row (key, document) count; a number or digits with whitespace'),
          content: z.string().describe('text that changes whenever the content does, e.g. a digest'),
        }),
      )
      .refine((t) => Object.keys(t).length > 0, 'needs at least one table')
      .describe('table name → { rows, content }; names start with the database, e.g. `db0`'),
    markers: z
      .record(z.string().min(1), z.string())
      .default({})
      .describe('kind → value recorded as markers of the capture, e.g. { rdbSaveTime: … }'),
  }),
  outputs: ['fingerprint', 'markers'],
  exec(args) {
    const fingerprint: Record<string, { rows: number; hash: string }> = {};
    for (const [table, { rows, content }] of Object.entries(args.tables)) {
      fingerprint[table] = { rows, hash: createHash('sha256').update(content).digest('hex') };
    }
    const markers: Marker[] = Object.entries(args.markers).map(([kind, value]) => ({
      kind,
      value: value.trim(),
    }));
    return Promise.resolve({ fingerprint: fingerprint satisfies Fingerprint, markers });
  },
});
