/** BackupPolicy: what to back up on which schedule, how long to keep it, when to drill it. */
import { z } from 'zod';
import {
  AGE_COLUMN,
  ConsistencySchema,
  LabelSelectorSchema,
  READY_COLUMN,
  StrategySchema,
  describeResource,
  localRef,
  statusBase,
  timestamp,
} from './common.ts';

/** Five cron fields (minute hour day-of-month month day-of-week). */
export const CronSchema = z
  .string()
  .regex(/^\s*\S+(\s+\S+){4}\s*$/, 'must be a 5-field cron expression, e.g. `0 3 * * *`')
  .describe('5-field cron expression, e.g. `0 3 * * *`.');

const keep = (what: string) =>
  z.int().min(0).optional().describe(`Keep the newest backup of each of the last N ${what}.`);

export const RetentionSchema = z
  .strictObject({
    keepLast: z.int().min(0).optional().describe('Keep the N newest backups.'),
    keepHourly: keep('hours'),
    keepDaily: keep('days'),
    keepWeekly: keep('weeks'),
    keepMonthly: keep('months'),
    keepYearly: keep('years'),
  })
  .describe('Grandfather-father-son retention, applied per application; a backup kept by any rule stays.');

export const BackupPolicySpecSchema = z.strictObject({
  repository: localRef('Repository'),
  selector: LabelSelectorSchema.optional().describe(
    'Workloads whose labels match are protected (as are those annotated `lifeboat.dev/protect: <policy>`).',
  ),
  schedule: CronSchema,
  timeZone: z
    .string()
    .min(1)
    .optional()
    .describe('IANA time zone of `schedule`, e.g. `Europe/Paris`; default UTC.'),
  strategy: StrategySchema.optional(),
  snapshotClass: z
    .string()
    .min(1)
    .optional()
    .describe(
      'freeze-snapshot: VolumeSnapshotClass for the PVCs of the workloads; default: their lifeboat.dev/snapshot-class annotation, else the default class of their CSI driver.',
    ),
  consistency: ConsistencySchema.optional(),
  retention: RetentionSchema.optional(),
  drill: z
    .strictObject({ schedule: CronSchema })
    .optional()
    .describe('Restore the latest backup to scratch and verify it on this schedule.'),
  suspend: z.boolean().optional().describe('Stop scheduling new backups and drills (running ones finish).'),
});

export const ProtectedApplicationSchema = z.object({
  application: z.string(),
  workloads: z.array(z.string()),
});

export const BackupPolicyStatusSchema = z.object({
  ...statusBase,
  lastScheduleTime: timestamp.optional(),
  lastSuccessfulBackupTime: timestamp.optional(),
  lastSuccessfulBackups: z
    .array(z.string())
    .optional()
    .describe(
      'Backups that completed at lastSuccessfulBackupTime and whose retention was applied (times have one-second resolution, so several can share one).',
    ),
  lastDrillTime: timestamp.optional(),
  protected: z
    .array(ProtectedApplicationSchema)
    .optional()
    .describe('Applications this policy protects now.'),
});

export const backupPolicyResource = describeResource({
  kind: 'BackupPolicy',
  shortName: 'lbpol',
  description: 'Scheduled backups, retention and drills for the workloads it selects or that point at it.',
  specSchema: BackupPolicySpecSchema,
  statusSchema: BackupPolicyStatusSchema,
  printerColumns: [
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
    { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
    { name: 'Last Backup', type: 'date', jsonPath: '.status.lastSuccessfulBackupTime' },
    READY_COLUMN,
    AGE_COLUMN,
  ],
});

export type Retention = z.infer<typeof RetentionSchema>;
export type BackupPolicySpec = z.infer<typeof BackupPolicySpecSchema>;
export type BackupPolicyStatus = z.infer<typeof BackupPolicyStatusSchema>;
export type ProtectedApplication = z.infer<typeof ProtectedApplicationSchema>;
