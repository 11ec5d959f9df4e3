/** Repository: where backups of this namespace go, and which Secrets open it. */
import { z } from 'zod';
import { AGE_COLUMN, READY_COLUMN, describeResource, localRef, statusBase, timestamp } from './common.ts';

export const SecretRefSchema = z.strictObject({ name: localRef('Secret') });

export const RepositorySpecSchema = z.strictObject({
  url: z
    .string()
    .regex(/^(file:\/\/\/.*|s3:\/\/[^/?#]+(\/[^?#]*)?)$/, 'must be file:///path or s3://bucket/prefix')
    .describe('`file:///path` or `s3://bucket/prefix`; never holds credentials.'),
  endpoint: z
    .string()
    .regex(/^https?:\/\/[^@]+$/, 'must be an http(s) URL without credentials')
    .optional()
    .describe('S3 endpoint for non-AWS object stores, e.g. `http://minio.storage:9000`.'),
  region: z.string().min(1).optional(),
  forcePathStyle: z
    .boolean()
    .optional()
    .describe('Path-style S3 addressing (MinIO and most non-AWS stores).'),
  credentialsSecret: SecretRefSchema.optional().describe(
    'Secret in this namespace with keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.',
  ),
  encryptionKeySecret: z
    .strictObject({
      name: localRef('Secret'),
      key: z.string().min(1).optional().describe('Key within the Secret; default `key`.'),
    })
    .optional()
    .describe('Secret in this namespace holding the repository encryption key.'),
  objectLock: z
    .strictObject({
      mode: z.enum(['governance', 'compliance']),
      retainDays: z.int().min(1),
    })
    .optional()
    .describe('S3 Object Lock retention applied to every object written.'),
});

export const RepositoryStatusSchema = z.object({
  ...statusBase,
  backups: z.int().min(0).optional().describe('Backups found in the repository at the last check.'),
  lastCheckTime: timestamp.optional(),
});

export const repositoryResource = describeResource({
  kind: 'Repository',
  shortName: 'lbrepo',
  description: 'A backup repository (file or S3 URL) and the Secrets that open it.',
  specSchema: RepositorySpecSchema,
  statusSchema: RepositoryStatusSchema,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    READY_COLUMN,
    { name: 'Backups', type: 'integer', jsonPath: '.status.backups' },
    AGE_COLUMN,
  ],
});

export type SecretRef = z.infer<typeof SecretRefSchema>;
export type RepositorySpec = z.infer<typeof RepositorySpecSchema>;
export type RepositoryStatus = z.infer<typeof RepositoryStatusSchema>;
