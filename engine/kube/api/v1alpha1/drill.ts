/** Drill: restore a backup to scratch, verify it, drop it, and report how long recovery took. */
import { z } from 'zod';
import { AGE_COLUMN, actionStatusBase, describeResource, localRef } from './common.ts';

export const DrillSpecSchema = z.strictObject({
  repository: localRef('Repository'),
  application: z.string().min(1).optional(),
  backupId: z.string().min(1).optional().describe("Backup to drill; default: the application's latest."),
});

export const DrillStatusSchema = z.object({
  ...actionStatusBase,
  result: z.enum(['Passed', 'Failed']).optional(),
  recoverySeconds: z.number().min(0).optional().describe('Time to restore and verify.'),
  reportId: z.string().optional().describe('Drill report stored in the repository.'),
  differences: z.int().min(0).optional().describe('Tables or collections whose content differed.'),
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
