import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Bucket, s3Client, useServer } from '../../../testcontainers/index.ts';
import { s3RoundTrip } from '../../../testcontainers/round-trips.ts';

describe('shared S3 server with Object Lock', () => {
  it('refuses to delete a version under COMPLIANCE retention', async () => {
    const server = await useServer('s3');
    await s3RoundTrip(server);
  });

  it('deletes versions freely in a bucket created without object lock', async () => {
    const server = await useServer('s3');
    const bucket = await createS3Bucket(server, { prefix: 'plain' });
    const client = s3Client(server);
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
      await expect(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }))).resolves.toBeDefined();
      // Retention cannot even be requested on a bucket without object lock.
      await expect(
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'locked',
            Body: 'x',
            ObjectLockMode: 'COMPLIANCE',
            ObjectLockRetainUntilDate: new Date(Date.now() + 60_000),
          }),
        ),
      ).rejects.toThrow();
    } finally {
      client.destroy();
    }
  });
});
