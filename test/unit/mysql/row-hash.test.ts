import { describe, expect, it } from 'vitest';
import { loadRowHash, TableHasher } from '../../../adapters/mysql/row-hash.ts';

const rowHash = await loadRowHash();

function fingerprintOf(rows: readonly string[]) {
  const h = new TableHasher(rowHash);
  for (const r of rows) h.add(Buffer.from(r));
  return h.result();
}

describe('TableHasher', () => {
  it('is independent of row order', () => {
    expect(fingerprintOf(['(1)', '(2)', '(3)'])).toEqual(fingerprintOf(['(3)', '(1)', '(2)']));
  });

  it.each([
    ['a changed value', ['(1)', '(2)'], ['(1)', '(3)']],
    ['a duplicated row (XOR would cancel it)', ['(1)'], ['(1)', '(2)', '(2)']],
    ['a missing row', ['(1)', '(2)'], ['(1)']],
  ])('detects %s', (_what, a, b) => {
    expect(fingerprintOf(a)).not.toEqual(fingerprintOf(b));
  });

  it('counts rows and starts at zero', () => {
    expect(fingerprintOf([])).toEqual({ rows: 0, hash: '0'.repeat(16) });
    expect(fingerprintOf(['(1)', '(1)']).rows).toBe(2);
  });
});
