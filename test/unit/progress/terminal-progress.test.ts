import { describe, expect, it } from 'vitest';
import { progressText } from '../../../engine/cli/commands/_terminal-progress.ts';

describe('progressText', () => {
  it('bytes and rate without a total', () => {
    expect(progressText('read', { bytes: 300 * 1024 * 1024 }, 3)).toBe('read: 300 MiB, 100 MiB/s');
  });

  it('with a total: share and ETA', () => {
    expect(progressText('verified', { bytes: 256 * 1024 * 1024, total: 1024 * 1024 * 1024 }, 2)).toBe(
      'verified: 256 MiB of 1.0 GiB, 128 MiB/s, 25%, ETA 0:06',
    );
  });

  it('done, or nothing yet: no ETA, no division by zero', () => {
    expect(progressText('rewriting packs', { bytes: 10, total: 10 }, 1)).toBe(
      'rewriting packs: 10 B of 10 B, 10 B/s, 100%',
    );
    expect(progressText('read', { bytes: 0 }, 0)).toBe('read: 0 B');
  });
});
