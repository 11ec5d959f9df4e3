/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobsToDelete } from '../../../../engine/controller/jobs/cleanup.ts';
import { actionJobName, buildActionJob } from '../../../../engine/controller/jobs/job-spec.ts';

const action = { kind: 'Backup', namespace: 'shop', name: 'nightly-shop-202601011000', uid: 'u-1' } as const;

describe('buildActionJob', () => {
  const job = buildActionJob(action, { image: 'ghcr.io/lifeboat/lifeboat:0.1.0', clusterName: 'east' });
  const pod = job.spec?.template.spec;
  const container = pod?.containers[0];

  it('runs the same image with `lifeboat run-action` for exactly this action, once', () => {
    expect(job.metadata?.name).toBe('lifeboat-backup-nightly-shop-202601011000');
    expect(job.metadata?.namespace).toBe('shop');
    expect(container?.image).toBe('ghcr.io/lifeboat/lifeboat:0.1.0');
    expect([...(container?.command ?? []), ...(container?.args ?? [])]).toEqual([
      'lifeboat',
      'run-action',
      '--kind',
      'Backup',
      '--name',
      'nightly-shop-202601011000',
      '--namespace',
      'shop',
    ]);
    expect(job.spec?.backoffLimit).toBe(0);
    expect(pod?.restartPolicy).toBe('Never');
    expect(job.spec?.ttlSecondsAfterFinished).toBe(3600);
    expect(container?.env).toContainEqual({ name: 'LIFEBOAT_CLUSTER', value: 'east' });
  });

  it('is owned by the action CR', () => {
    expect(job.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'lifeboat.dev/v1alpha1',
        kind: 'Backup',
        name: 'nightly-shop-202601011000',
        uid: 'u-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('runs as non-root, read-only, without privileges, under the runner ServiceAccount', () => {
    expect(pod?.serviceAccountName).toBe('lifeboat-runner');
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(job.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'lifeboat-controller',
      'lifeboat.dev/action-kind': 'Backup',
      'lifeboat.dev/action-name': 'nightly-shop-202601011000',
    });
    expect(job.spec?.template.metadata?.labels).toEqual(job.metadata?.labels);
  });

  it('keeps names within 63 characters, distinct for distinct actions', () => {
    const a = actionJobName('Restore', `x${'a'.repeat(100)}`);
    const b = actionJobName('Restore', `y${'a'.repeat(100)}`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('jobsToDelete', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const aJob = (name: string, finished?: string, owner = { name: 'b1', uid: 'u-1' }): V1Job => ({
    metadata: {
      name,
      namespace: 'shop',
      ownerReferences: [{ apiVersion: 'lifeboat.dev/v1alpha1', kind: 'Backup', controller: true, ...owner }],
    },
    spec: { ttlSecondsAfterFinished: 600, template: {} },
    ...(finished ? { status: { completionTime: new Date(finished) } } : {}),
  });
  const owners: Record<string, string> = { b1: 'u-1' };
  const uidOf = (_kind: string, _ns: string, name: string) => owners[name];

  it('deletes finished Jobs past their TTL and Jobs whose action is gone or re-created', () => {
    const result = jobsToDelete(
      [
        aJob('running'),
        aJob('fresh', '2026-01-01T11:55:00Z'),
        aJob('old', '2026-01-01T11:40:00Z'),
        aJob('orphan', undefined, { name: 'gone', uid: 'u-9' }),
        aJob('recreated', undefined, { name: 'b1', uid: 'u-0' }),
      ],
      uidOf,
      now,
    );
    expect(result.map((d) => [d.name, d.reason])).toEqual([
      ['old', 'finished 1200 s ago'],
      ['orphan', 'its Backup gone no longer exists'],
      ['recreated', 'its Backup b1 no longer exists'],
    ]);
  });
});
