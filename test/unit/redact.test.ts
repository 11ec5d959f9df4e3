import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from '../../engine/redact.ts';

describe('redactUrl', () => {
  it.each([
    ['postgres://app:s3cret@db:5432/orders', 'postgres://app:***@db:5432/orders'],
    ['mysql://root@db/shop', 'mysql://root@db/shop'],
    ['s3://bucket/prefix?secretKey=abc&region=x', 's3://bucket/prefix?secretKey=***&region=x'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('redacts unparsable URLs by pattern', () => {
    expect(redactUrl('//u:pw@h')).not.toContain('pw');
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence', () => {
    expect(redactSecrets('pw=hunter2 again hunter2', ['hunter2'])).toBe('pw=*** again ***');
  });
});
