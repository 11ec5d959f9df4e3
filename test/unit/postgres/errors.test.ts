import { describe, expect, it } from 'vitest';
import {
  RecoveryConflictError,
  adapterError,
  isRecoveryConflict,
} from '../../../adapters/postgres/errors.ts';
import { AdapterError } from '../../../engine/errors.ts';
import type { Workload } from '../../../engine/model/index.ts';

const workload: Workload = {
  name: 'orders',
  engine: 'postgres',
  primary: { host: 'db', port: 5432, role: 'primary', url: 'postgres://app@db:5432/orders' },
  replicas: [],
  databases: [],
  credentials: { username: 'app', password: 's3cret-pass' },
  annotations: {},
  pvcs: [],
  source: 'url',
};

describe('adapterError', () => {
  it.each([
    [
      'recovery conflict',
      { code: '40001', message: 'canceling statement due to conflict with recovery' },
      true,
      /hot_standby_feedback/,
    ],
    [
      'lock timeout',
      { code: '55P03', message: 'canceling statement due to lock timeout' },
      true,
      /lock timeout/,
    ],
    [
      'wrong password',
      { code: '28P01', message: 'password authentication failed for user "app"' },
      false,
      /password authentication failed/,
    ],
    ['syntax', { code: '42601', message: 'syntax error' }, false, /syntax error/],
  ])('%s', (_name, raw, retryable, message) => {
    const e = adapterError(workload, 'dump', Object.assign(new Error(raw.message), raw));
    expect(e).toBeInstanceOf(AdapterError);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toMatch(message);
    expect(e.workload).toBe('orders');
  });

  it('never carries the password, even when the server echoes it', () => {
    const e = adapterError(workload, 'connect', new Error('bad option "password=s3cret-pass"'));
    expect(e.message).not.toContain('s3cret-pass');
    expect((e as AdapterError).serverMessage).not.toContain('s3cret-pass');
    expect((e.cause as Error).message).not.toContain('s3cret-pass');
  });
});

describe('recovery conflicts', () => {
  it('are recognised directly, as a terminated session (57P04) and through wrapping causes', () => {
    const cancelled = Object.assign(new Error('canceling statement due to conflict with recovery'), {
      code: '40001',
    });
    const terminated = Object.assign(new Error('terminating connection due to conflict with recovery'), {
      code: '57P04',
    });
    expect(isRecoveryConflict(cancelled)).toBe(true);
    expect(isRecoveryConflict(terminated)).toBe(true);
    expect(isRecoveryConflict(new Error('input stream failed', { cause: cancelled }))).toBe(true);
    expect(
      isRecoveryConflict(Object.assign(new Error('could not serialize access'), { code: '40001' })),
    ).toBe(false);
  });

  it('become a RecoveryConflictError naming the standby and the fix, not retryable as a phase', () => {
    const cause = adapterError(
      workload,
      'copy of table public.t failed',
      new Error('canceling statement due to conflict with recovery'),
    );
    const e = new RecoveryConflictError(workload, 'standby-0:5432', cause);
    expect(e).toBeInstanceOf(AdapterError);
    expect(e.retryable).toBe(false);
    expect(e.standby).toBe('standby-0:5432');
    expect(e.workload).toBe('orders');
    expect(e.message).toMatch(/standby standby-0:5432.*conflict with recovery.*hot_standby_feedback = on/);
    expect(e.message).toMatch(/max_standby_streaming_delay/);
  });
});
