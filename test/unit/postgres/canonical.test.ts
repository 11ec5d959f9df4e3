import { describe, expect, it } from 'vitest';
import {
  copyStatement,
  fingerprintKey,
  qualified,
  quoteIdent,
  quoteLiteral,
} from '../../../adapters/postgres/canonical.ts';
import { decodeToken, encodeToken } from '../../../adapters/postgres/snapshot.ts';
import { runPool } from '../../../adapters/postgres/_pool.ts';

describe('SQL quoting', () => {
  it.each([
    ['plain', 'items', '"items"'],
    ['mixed case', 'Events 2024', '"Events 2024"'],
    ['embedded quote', 'we"ird', '"we""ird"'],
    ['reserved word', 'select', '"select"'],
  ])('quoteIdent %s', (_name, input, expected) => {
    expect(quoteIdent(input)).toBe(expected);
  });

  it('quotes literals and qualified names', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(qualified('Mixed Case', 'Events')).toBe('"Mixed Case"."Events"');
  });

  it.each([
    [['a', 'B c'], 'to', 'COPY "s"."t" ("a", "B c") TO STDOUT'],
    [['a'], 'from', 'COPY "s"."t" ("a") FROM STDIN'],
    [[], 'to', 'COPY "s"."t" TO STDOUT'],
  ] as const)('copyStatement %j %s', (columns, direction, expected) => {
    expect(copyStatement('s', 't', columns, direction)).toBe(expected);
  });

  it('fingerprint keys are db.schema.table', () => {
    expect(fingerprintKey('shop', 'public', 'items')).toBe('shop.public.items');
  });
});

describe('snapshot token', () => {
  it('round-trips and rejects foreign tokens', () => {
    const token = { host: 'db', port: 5432, snapshots: { shop: '00000003-00000002-1' }, inRecovery: false };
    expect(decodeToken(encodeToken(token))).toEqual(token);
    expect(() => decodeToken('{"gtid":"x"}')).toThrow(/not a PostgreSQL snapshot token/);
  });
});

describe('runPool', () => {
  it('runs every item with bounded concurrency on stable worker ids', async () => {
    let inFlight = 0;
    let peak = 0;
    const busy = new Set<number>();
    const done: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (item, worker) => {
      expect(busy.has(worker)).toBe(false);
      busy.add(worker);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5 * (item % 3)));
      inFlight--;
      busy.delete(worker);
      done.push(item);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('stops scheduling after the first failure and throws it', async () => {
    const started: number[] = [];
    let failed = 0;
    const run = runPool(
      [1, 2, 3, 4, 5, 6],
      2,
      async (item) => {
        started.push(item);
        await new Promise((r) => setTimeout(r, 1));
        if (item === 2) throw new Error('boom 2');
      },
      () => failed++,
    );
    await expect(run).rejects.toThrow('boom 2');
    expect(failed).toBe(1);
    expect(started.length).toBeLessThan(6);
  });
});
