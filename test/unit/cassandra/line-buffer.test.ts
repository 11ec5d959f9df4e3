import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../../adapters/cassandra/line-buffer.ts';

describe('LineBuffer', () => {
  it('writes lines as UTF-8 with newlines, in chunks no larger than the size unless one line is', () => {
    const out = new LineBuffer(16);
    const lines = ['["a"]', '["é€😀"]', 'x'.repeat(40), '[1,2]', ''];
    for (const l of lines) out.push(l);
    const chunks = out.take();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
    for (const c of chunks) expect(c.length <= 16 || c.toString().startsWith('x'.repeat(40))).toBe(true);
    expect(chunks.length).toBeGreaterThan(2);
    expect(out.take()).toEqual([]);
    out.push('next');
    expect(Buffer.concat(out.take()).toString()).toBe('next\n');
  });
});
