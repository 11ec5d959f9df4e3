/** Restore: put a backup from a Repository of this namespace back. */
import { z } from 'zod';
import { AGE_COLUMN, actionStatusBase, describeResource, localRef } from './common.ts';

const mapping = (what: string) =>
  z.record(z.string().min(1), z.string().min(1)).optional().describe(`Rename ${what}: source → target.`);

export const RestoreSpecSchema = z.strictObject({
  repository: localRef('Repository'),
  backupId: z.string().min(1).describe('Backup to restore, as `lifeboat list` shows it.'),
  sourceCluster: z
    .string()
    .min(1)
    .optional()
    .describe('Cluster that took the backup, when several share the repository.'),
  targetNamespace: z
    .string()
    .min(1)
    .optional()
    .describe("Where to restore; default: the Restore's namespace."),
  namespaceMapping: mapping('namespaces'),
  storageClassMapping: mapping('storage classes'),
  members: z.array(z.string().min(1)).optional().describe('Only these members of the backup.'),
  databaseMapping: mapping('databases'),
  force: z.boolean().optional().describe('Overwrite databases that already hold data.'),
});

export const RestoredMemberSchema = z.object({
  member: z.string(),
  databases: z.array(z.string()),
});

export const RestoreStatusSchema = z.object({
  ...actionStatusBase,
  restored: z.array(RestoredMemberSchema).optional(),
  verified: z.boolean().optional().describe('Restored content matched the backup fingerprints.'),
});

export const restoreResource = describeResource({
  kind: 'Restore',
  shortName: 'lbrs',
  description: 'Restore one backup from a Repository of this namespace.',
  specSchema: RestoreSpecSchema,
  statusSchema: RestoreStatusSchema,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Backup ID', type: 'string', jsonPath: '.spec.backupId' },
    { name: 'Verified', type: 'boolean', jsonPath: '.status.verified' },
    AGE_COLUMN,
  ],
});

export type RestoreSpec = z.infer<typeof RestoreSpecSchema>;
export type RestoreStatus = z.infer<typeof RestoreStatusSchema>;
export type RestoredMember = z.infer<typeof RestoredMemberSchema>;
