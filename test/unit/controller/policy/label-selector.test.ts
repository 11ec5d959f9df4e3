import { describe, expect, it } from 'vitest';
import { selectorMatches, type LabelSelector } from '../../../../engine/controller/policy/label-selector.ts';

const labels = { tier: 'gold', team: 'shop' };

describe('selectorMatches', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['empty selector', {}, true],
    ['matchLabels hit', { matchLabels: { tier: 'gold' } }, true],
    ['matchLabels miss', { matchLabels: { tier: 'gold', team: 'crm' } }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] }, true],
    ['In, absent key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, false],
    ['NotIn, absent key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    ['unknown operator matches nothing', { matchExpressions: [{ key: 'team', operator: 'Gt' }] }, false],
    [
      'labels and expressions together',
      { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      true,
    ],
  ])('%s', (_, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});
