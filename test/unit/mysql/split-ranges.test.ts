import { describe, expect, it } from 'vitest';
import { isIntegerType, rangeConditions } from '../../../adapters/mysql/split-ranges.ts';

describe('rangeConditions', () => {
  it.each([
    [
      'even split',
      '1',
      '100',
      4,
      ['`id` < 26', '`id` >= 26 AND `id` < 51', '`id` >= 51 AND `id` < 76', '`id` >= 76'],
    ],
    ['negative keys', '-10', '9', 2, ['`id` < 0', '`id` >= 0']],
    [
      'BIGINT UNSIGNED extremes',
      '0',
      '18446744073709551615',
      2,
      ['`id` < 9223372036854775808', '`id` >= 9223372036854775808'],
    ],
    ['span smaller than parts', '5', '6', 4, [undefined]],
    ['one part', '1', '1000', 1, [undefined]],
  ])('%s', (_what, min, max, parts, expected) => {
    expect(rangeConditions('id', min, max, parts)).toEqual(expected);
  });

  it('covers every key exactly once', () => {
    const conds = rangeConditions('k', '-7', '93', 6);
    const bounds = conds.map((c) => {
      const ge = /`k` >= (-?\d+)/.exec(c ?? '')?.[1];
      const lt = /`k` < (-?\d+)/.exec(c ?? '')?.[1];
      return { ge: ge === undefined ? -Infinity : Number(ge), lt: lt === undefined ? Infinity : Number(lt) };
    });
    for (let k = -20; k <= 120; k++) {
      expect(bounds.filter((b) => k >= b.ge && k < b.lt)).toHaveLength(1);
    }
  });
});

describe('isIntegerType', () => {
  it.each([
    ['int', true],
    ['BIGINT', true],
    ['tinyint', true],
    ['decimal', false],
    ['varchar', false],
    ['binary', false],
  ])('%s', (type, expected) => {
    expect(isIntegerType(type)).toBe(expected);
  });
});
