import { describe, expect, it } from 'vitest';
import {
  labelValue,
  minuteStamp,
  runLabels,
  runName,
  scheduledForValue,
} from '../../../../engine/controller/policy/names.ts';

const at = new Date('2026-03-07T04:05:00Z');
const isDnsLabel = (s: string) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(s);
const isLabelValue = (s: string) => /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/.test(s);

describe('run names', () => {
  it('is <policy>-<application>-<yyyymmddhhmm> in UTC', () => {
    expect(minuteStamp(at)).toBe('202603070405');
    expect(runName('nightly', 'shop', at)).toBe('nightly-shop-202603070405');
    expect(runName('nightly', 'shop', new Date('2026-03-07T04:05:59.999Z'))).toBe(
      'nightly-shop-202603070405',
    );
  });

  it('is a DNS label even for long or unusual application names, and stays unique', () => {
    const long = runName('nightly', 'a'.repeat(80), at);
    expect(isDnsLabel(long)).toBe(true);
    expect(long.endsWith('-202603070405')).toBe(true);
    const odd1 = runName('nightly', 'Shop_Orders', at);
    const odd2 = runName('nightly', 'shop-orders', at);
    const odd3 = runName('nightly', 'Shop.Orders', at);
    for (const n of [odd1, odd2, odd3]) expect(isDnsLabel(n)).toBe(true);
    expect(new Set([odd1, odd2, odd3]).size).toBe(3);
    // a-b + c and a + b-c share the plain name; the hashed form tells them apart
    expect(runName('a-b', 'c', at)).toBe('a-b-c-202603070405');
    expect(runName('a', 'b-c', at)).toBe(runName('a-b', 'c', at));
    expect(runName('a', 'b-c', at, true)).not.toBe(runName('a-b', 'c', at, true));
    expect(isDnsLabel(runName('a', 'b-c', at, true))).toBe(true);
  });

  it('labels are valid label values', () => {
    const labels = runLabels('nightly', 'Shop Orders/€', at);
    for (const v of Object.values(labels)) expect(isLabelValue(v)).toBe(true);
    expect(labels['lifeboat.dev/scheduled-for']).toBe('2026-03-07T04-05-00Z');
    expect(scheduledForValue(at)).toBe('2026-03-07T04-05-00Z');
    expect(labelValue('shop')).toBe('shop');
    expect(labelValue('x'.repeat(70))).toHaveLength(63);
    expect(labelValue('x'.repeat(70))).not.toBe(labelValue(`${'x'.repeat(69)}y`));
  });
});
