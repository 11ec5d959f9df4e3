/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { decideJobMode } from '../../../../engine/controller/jobs/job-mode.ts';

const now = new Date('2026-01-01T12:00:00Z');
const running = {
  phase: 'Running',
  runner: { identity: 'job/lifeboat-backup-b1', startedAt: '2026-01-01T11:59:00Z' },
};
const live: V1Job = { metadata: { name: 'lifeboat-backup-b1' }, status: { active: 1 } };
const failed: V1Job = {
  metadata: { name: 'lifeboat-backup-b1' },
  status: {
    failed: 1,
    conditions: [
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ],
  },
};
const completedLongAgo: V1Job = {
  metadata: { name: 'lifeboat-backup-b1' },
  status: { succeeded: 1, completionTime: new Date('2026-01-01T11:50:00Z') },
};

describe('decideJobMode', () => {
  it.each([
    ['pending, no Job', undefined, undefined, 'create-job'],
    ['pending, Job created', { phase: 'Pending' }, live, 'watch-job'],
    ['running by its Job', running, live, 'watch-job'],
    ['finished', { phase: 'Succeeded' }, completedLongAgo, 'nothing'],
    ['failed', { phase: 'Failed' }, undefined, 'nothing'],
  ] as const)('%s → %s', (_, status, job, expected) => {
    expect(decideJobMode('Backup', 'b1', status, job, now).do).toBe(expected);
  });

  it.each([
    [
      'the Job failed before claiming',
      { phase: 'Pending' },
      failed,
      'JobFailed',
      /failed before it started the Backup: BackoffLimitExceeded/,
    ],
    ['the Job failed while running', running, failed, 'JobFailed', /failed while running the Backup/],
    ['the Job is gone', running, undefined, 'JobFailed', /is gone; it is not retried/],
    [
      'the Job finished without an outcome',
      running,
      completedLongAgo,
      'JobFailed',
      /finished without recording the outcome/,
    ],
    [
      'run by an in-process controller that is gone',
      { phase: 'Running', runner: { identity: 'ctrl-abc', startedAt: '2026-01-01T11:00:00Z' } },
      undefined,
      'ControllerRestarted',
      /ctrl-abc stopped while running this Backup/,
    ],
  ] as const)('fails the CR when %s', (_, status, job, reason, message) => {
    const d = decideJobMode('Backup', 'b1', status, job, now);
    expect(d).toMatchObject({ do: 'fail', reason });
    expect(d.do === 'fail' ? d.message : '').toMatch(message);
  });
});
