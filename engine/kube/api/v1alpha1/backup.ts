/** Backup: one backup of one application of this namespace, run by the controller. */
import { z } from 'zod';
import {
  AGE_COLUMN,
  ConsistencySchema,
  StrategySchema,
  actionStatusBase,
  describeResource,
  localRef,
  timestamp,
} from './common.ts';

export const BackupSpecSchema = z.strictObject({
  repository: localRef('Repository'),
  application: z
    .string()
    .min(1)
    .optional()
    .describe('Discovered application in this namespace; default: all its database workloads as one.'),
  workloads: z.array(z.string().min(1)).optional().describe('Only these workloads (by name).'),
  policy: localRef('BackupPolicy')
    .optional()
    .describe('The BackupPolicy that scheduled this backup, if any.'),
  strategy: StrategySchema.optional(),
  snapshotClass: z
    .string()
    .min(1)
    .optional()
    .describe(
      'freeze-snapshot: VolumeSnapshotClass for the PVCs of the workloads; default: their lifeboat.dev/snapshot-class annotation, else the default class of their CSI driver.',
    ),
  consistency: ConsistencySchema.optional(),
  blueprint: localRef('Blueprint')
    .optional()
    .describe('A Blueprint in this namespace to use instead of the built-in one.'),
});

export const BackupProgressSchema = z.object({
  bytes: z.int().min(0),
  rows: z.int().min(0).optional(),
  bytesPerSecond: z.number().min(0).optional(),
  etaSeconds: z.number().min(0).optional(),
  updatedAt: timestamp,
});

export const BackupMemberSchema = z.object({
  name: z.string(),
  engine: z.string(),
  strategy: z.string(),
  guarantee: z.string().optional().describe('Consistency guarantee this member got, e.g. `fenced`.'),
});

export const BackupStatusSchema = z.object({
  ...actionStatusBase,
  backupId: z.string().optional().describe('Id of the backup in the repository.'),
  cluster: z.string().optional().describe('Identity of the cluster that took it.'),
  progress: BackupProgressSchema.optional(),
  bytes: z.int().min(0).optional().describe('Logical bytes captured.'),
  storedBytes: z
    .int()
    .min(0)
    .optional()
    .describe('Bytes written to the repository after dedup and compression.'),
  freezeWindowMs: z.number().min(0).optional().describe('How long writes were held for the consistent cut.'),
  members: z.array(BackupMemberSchema).optional(),
});

export const backupResource = describeResource({
  kind: 'Backup',
  shortName: 'lbbk',
  description: 'One application-consistent backup of databases in this namespace.',
  specSchema: BackupSpecSchema,
  statusSchema: BackupStatusSchema,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Backup ID', type: 'string', jsonPath: '.status.backupId' },
    { name: 'Size', type: 'integer', jsonPath: '.status.bytes', description: 'Logical bytes captured.' },
    { name: 'Freeze(ms)', type: 'number', jsonPath: '.status.freezeWindowMs' },
    AGE_COLUMN,
  ],
});

export type BackupSpec = z.infer<typeof BackupSpecSchema>;
export type BackupStatus = z.infer<typeof BackupStatusSchema>;
export type BackupProgress = z.infer<typeof BackupProgressSchema>;
export type BackupMember = z.infer<typeof BackupMemberSchema>;
