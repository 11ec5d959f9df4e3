import { describe, expect, it } from 'vitest';
import {
  BACKUP_LABEL,
  planSnapshotCollection,
  REPOSITORY_LABEL,
  snapshotLabels,
  type VolumeSnapshotObject,
} from '../../../engine/kube/volume-snapshots/index.ts';

const now = new Date('2026-11-25T12:00:00Z');
const snap = (name: string, backupId: string | undefined, ageMin: number): VolumeSnapshotObject => ({
  metadata: {
    name,
    ...(backupId !== undefined && { labels: { [BACKUP_LABEL]: backupId } }),
    creationTimestamp: new Date(now.getTime() - ageMin * 60_000).toISOString(),
  },
});

describe('snapshotLabels', () => {
  it('labels backup, member and repository with valid label values', () => {
    expect(
      snapshotLabels({ backupId: '20261125t120000z-ab12cd34', member: 'orders-db', repository: 'r-1' }),
    ).toEqual({
      [BACKUP_LABEL]: '20261125t120000z-ab12cd34',
      'lifeboat.dev/member': 'orders-db',
      [REPOSITORY_LABEL]: 'r-1',
    });
    // Values a label cannot hold are cleaned and hashed into a valid one (≤ 63 characters).
    const valid = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;
    const long = snapshotLabels({ backupId: 'b', member: `${'m'.repeat(70)}/x` });
    expect(long['lifeboat.dev/member']).toMatch(valid);
    expect(long).not.toHaveProperty(REPOSITORY_LABEL);
    const odd = snapshotLabels({ backupId: 'b', member: 'a b_' })['lifeboat.dev/member'];
    expect(odd).toMatch(valid);
    expect(odd).toMatch(/^a-b/);
  });
});

describe('planSnapshotCollection', () => {
  it('removes old snapshots of backups with no manifest and no live lock; keeps the rest', () => {
    const plan = planSnapshotCollection({
      snapshots: [
        snap('committed', 'b-committed', 120),
        snap('running', 'b-running', 120),
        snap('orphan', 'b-dead', 120),
        snap('pruned', 'b-pruned', 60 * 24 * 30),
        snap('young-orphan', 'b-young', 2),
        snap('unlabelled', undefined, 120),
      ],
      liveBackupIds: ['b-committed', 'b-running'],
      now,
      minAgeMs: 10 * 60_000,
    });
    expect(plan.remove).toEqual([
      { name: 'orphan', backupId: 'b-dead' },
      { name: 'pruned', backupId: 'b-pruned' },
    ]);
    expect(plan.keep).toEqual(['committed', 'running', 'young-orphan', 'unlabelled']);
  });

  it('compares live ids the way they are labelled (a long id is hashed into a valid value)', () => {
    const id = `2026${'x'.repeat(80)}`;
    const labelled = snapshotLabels({ backupId: id, member: 'm' })[BACKUP_LABEL];
    const plan = planSnapshotCollection({
      snapshots: [snap('s', labelled, 120)],
      liveBackupIds: [id],
      now,
      minAgeMs: 0,
    });
    expect(plan.remove).toEqual([]);
  });

  it('keeps a snapshot without a readable creation time', () => {
    const plan = planSnapshotCollection({
      snapshots: [{ metadata: { name: 's', labels: { [BACKUP_LABEL]: 'gone' } } }],
      liveBackupIds: [],
      now,
      minAgeMs: 0,
    });
    expect(plan.keep).toEqual(['s']);
  });
});
