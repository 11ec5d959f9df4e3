import { describe, expect, it } from 'vitest';
import { RowHasher, loadRowHash } from '../../../adapters/postgres/row-hash.ts';

async function digest(chunks: readonly (string | Buffer)[]): Promise<{ rows: number; hash: string }> {
  const hasher = new RowHasher(await loadRowHash());
  for (const c of chunks) hasher.update(typeof c === 'string' ? Buffer.from(c) : c);
  return hasher.digest();
}

describe('RowHasher', () => {
  const rows = ['1\talice\t\\N\n', '2\tbob\t{a,b}\n', '3\tcarol\t\\\\x00\n'];

  it.each([
    ['one chunk', [rows.join('')]],
    ['row per chunk', rows],
    ['split inside rows', [rows.join('').slice(0, 5), rows.join('').slice(5, 17), rows.join('').slice(17)]],
    ['byte per chunk', Array.from(Buffer.from(rows.join('')), (b) => Buffer.from([b]))],
  ])('is independent of chunking: %s', async (_name, chunks) => {
    expect(await digest(chunks)).toEqual(await digest([rows.join('')]));
  });

  it('is independent of row order', async () => {
    expect(await digest([rows[2] ?? '', rows[0] ?? '', rows[1] ?? ''])).toEqual(await digest(rows));
  });

  it.each([
    ['a changed value', ['1\talice\t\\N\n', '2\tbob\t{a,c}\n', '3\tcarol\t\\\\x00\n']],
    ['a missing row', rows.slice(0, 2)],
    ['a duplicated row', [...rows, rows[0] ?? '']],
    ['swapped columns', ['alice\t1\t\\N\n', '2\tbob\t{a,b}\n', '3\tcarol\t\\\\x00\n']],
  ])('detects %s', async (_name, changed) => {
    expect(await digest(changed)).not.toEqual(await digest(rows));
  });

  it('duplicates do not cancel out (sum, not xor)', async () => {
    const twice = await digest([rows[0] ?? '', rows[0] ?? '']);
    expect(twice).not.toEqual(await digest([]));
    expect(twice.rows).toBe(2);
  });

  it('an empty table has zero rows and a zero hash', async () => {
    expect(await digest([])).toEqual({ rows: 0, hash: '0000000000000000' });
  });
});
