import { describe, expect, it } from 'vitest';
import { scratchName } from '../../../engine/runs/drill-scratch.ts';

describe('scratchName', () => {
  it.each([
    ['orders', 'ab12cd', 'orders_drill_ab12cd'],
    ['a'.repeat(63), 'ab12cd', `${'a'.repeat(50)}_drill_ab12cd`],
    ['Mixed-Case db', '000000', 'Mixed-Case db_drill_000000'],
  ])('%s + %s → %s (at most 63 characters)', (db, tag, expected) => {
    const name = scratchName(db, tag);
    expect(name).toBe(expected);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('keeps the tag, so two drills of one backup never share a scratch database', () => {
    const long = 'x'.repeat(80);
    expect(scratchName(long, 'aaaaaa')).not.toBe(scratchName(long, 'bbbbbb'));
  });
});
