import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../engine/errors.ts';
import {
  isBackupId,
  manifestChunkIds,
  newBackupId,
  parseManifest,
  serializeManifest,
  type Manifest,
} from '../../../engine/repository/manifest.ts';
import { partSizeFor } from '../../../engine/repository/s3-store.ts';
import { parseRepositoryUrl } from '../../../engine/repository/store-url.ts';

describe('parseRepositoryUrl', () => {
  it.each([
    ['file:///var/backups/x', { kind: 'file', path: '/var/backups/x' }],
    ['/tmp/repo', { kind: 'file', path: '/tmp/repo' }],
    ['s3://bucket', { kind: 's3', options: { bucket: 'bucket' } }],
    [
      's3://bucket/team/a/?endpoint=http://127.0.0.1:9000&region=eu-west-1&pathStyle=true',
      {
        kind: 's3',
        options: {
          bucket: 'bucket',
          prefix: 'team/a',
          endpoint: 'http://127.0.0.1:9000',
          region: 'eu-west-1',
          forcePathStyle: true,
        },
      },
    ],
  ])('%s', (url, expected) => {
    expect(parseRepositoryUrl(url)).toEqual(expected);
  });

  it.each([
    ['http://x/y', /unsupported repository URL scheme/],
    ['s3://AKIA:secret@bucket/p', /not in the URL/],
    ['s3://bucket?foo=1', /unknown repository URL option "foo"/],
  ])('%s is refused', (url, message) => {
    expect(() => parseRepositoryUrl(url)).toThrow(UsageError);
    expect(() => parseRepositoryUrl(url)).toThrow(message);
  });
});

describe('partSizeFor', () => {
  it.each([
    [1, undefined, 8 * 1024 * 1024],
    [999, undefined, 8 * 1024 * 1024],
    [1000, undefined, 16 * 1024 * 1024],
    [9999, undefined, 8 * 1024 * 1024 * 512],
    [0, 10 * 1024 ** 3, 8 * 1024 * 1024],
    [0, 5 * 1024 ** 4, 525 * 1024 * 1024],
  ])('part %i of size %s → %i', (index, size, expected) => {
    expect(partSizeFor(index, size)).toBe(expected);
  });

  it('10,000 parts of unknown-size uploads hold more than 5 TiB', () => {
    let total = 0;
    for (let i = 0; i < 10_000; i++) total += partSizeFor(i);
    expect(total).toBeGreaterThan(5 * 1024 ** 4);
  });
});

describe('manifest', () => {
  const m: Manifest = {
    version: 1,
    backupId: '20260101T000000Z-abcd',
    app: 'shop',
    startedAt: '2026-01-01T00:00:00.000Z',
    completedAt: '2026-01-01T00:01:00.000Z',
    members: [{ name: 'orders', markers: [{ kind: 'lsn', value: '0/16B3748' }], details: {} }],
    artifacts: [{ member: 'orders', name: 'data.copy', bytes: 3, chunks: [['a'.repeat(64), 3]], meta: {} }],
    tools: { lifeboat: '0.1.0' },
    labels: {},
  };
  it('round-trips and lists chunk ids', () => {
    expect(parseManifest(serializeManifest(m))).toEqual(m);
    expect([...manifestChunkIds(m)]).toEqual(['a'.repeat(64)]);
  });
  it.each([
    ['unknown version', { ...m, version: 2 }],
    ['bad chunk id', { ...m, artifacts: [{ ...m.artifacts[0], chunks: [['xyz', 1]] }] }],
  ])('rejects %s', (_l, bad) => {
    expect(() => parseManifest(JSON.stringify(bad))).toThrow();
  });
  it.each([
    ['20260101T000000Z-abcd', true],
    ['../etc', false],
    ['a/b', false],
    ['', false],
  ])('isBackupId(%s) = %s', (id, ok) => {
    expect(isBackupId(id)).toBe(ok);
  });
  it('newBackupId sorts by time', () => {
    expect(newBackupId(new Date('2026-11-25T12:48:36.123Z'), 'ff')).toBe('20261125T124836Z-ff');
  });
});
