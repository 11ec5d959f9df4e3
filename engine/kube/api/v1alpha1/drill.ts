/** Drill: restore a backup to scratch, verify it, drop it, and report how long recovery took. */
import { z } from 'zod';
import { AGE_COLUMN, actionStatusBase, describeResource, localRef } from './common.ts';

export const DrillSpecSchema = z.strictObject({
  repository: localRef('Repository'),
  application: z.string().min(1).optional(),
  backupId: z.string().min(1).optional().describe("Backup to drill; default: the application's latest."),
});

/** At most this many differing tables go into a Drill's status (the report in the repository has all). */
export const DRILL_STATUS_MAX_TABLES = 50;

/**
 * Why a table differs: `missing` (captured, not restored), `unexpected` (restored, never
 * captured), `rowCount` (other number of rows), `content` (same rows, other fingerprint).
 */
export const DrillTableProblemSchema = z.enum(['missing', 'unexpected', 'rowCount', 'content']);

/** One differing table, as the drill report names it; row counts only, never data or fingerprints. */
export const DrillTableSchema = z.strictObject({
  member: z.string().min(1),
  database: z
    .string()
    .describe('Database (keyspace) as captured, not the scratch name; empty when the engine names none.'),
  table: z
    .string()
    .min(1)
    .describe('The rest of the qualified name (`schema.table`, `table` or collection).'),
  expectedRows: z.int().min(0).optional().describe('Rows at capture; absent for an unexpected table.'),
  actualRows: z.int().min(0).optional().describe('Rows after the restore; absent for a missing table.'),
  problem: DrillTableProblemSchema,
});

export const DrillStatusSchema = z.object({
  ...actionStatusBase,
  result: z.enum(['Passed', 'Failed']).optional(),
  recoverySeconds: z.number().min(0).optional().describe('Time to restore and verify.'),
  reportId: z.string().optional().describe('Drill report stored in the repository.'),
  differences: z.int().min(0).optional().describe('Tables or collections whose content differed.'),
  tables: z
    .array(DrillTableSchema)
    .max(DRILL_STATUS_MAX_TABLES)
    .optional()
    .describe(
      `The tables that differed, at most ${DRILL_STATUS_MAX_TABLES}; the full list is in the drill report.`,
    ),
  tablesTruncated: z.boolean().optional().describe('More tables differed than `tables` lists.'),
});

export const drillResource = describeResource({
  kind: 'Drill',
  shortName: 'lbdr',
  description: 'A restore rehearsal: restore to scratch, verify, drop, report.',
  specSchema: DrillSpecSchema,
  statusSchema: DrillStatusSchema,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Result', type: 'string', jsonPath: '.status.result' },
    { name: 'Recovery(s)', type: 'number', jsonPath: '.status.recoverySeconds' },
    AGE_COLUMN,
  ],
});

export type DrillSpec = z.infer<typeof DrillSpecSchema>;
export type DrillStatus = z.infer<typeof DrillStatusSchema>;
export type DrillTable = z.infer<typeof DrillTableSchema>;
export type DrillTableProblem = z.infer<typeof DrillTableProblemSchema>;
