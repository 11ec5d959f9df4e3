import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../../../engine/errors.ts';
import {
  buildRegistry,
  createRegistry,
  defineFunction,
  FENCE_HANDLE,
} from '../../../engine/functions/index.ts';
import { aFunctionContext } from './context.ts';
import { fakeAdapter, fakeAdapters, type Call } from './fakes.ts';

const echo = defineFunction({
  name: 'echo',
  description: 'returns its arg',
  args: z.strictObject({ value: z.string(), times: z.int().default(1) }),
  outputs: ['value', 'times'],
  exec: (args) => Promise.resolve({ value: args.value, times: args.times }),
});

describe('registry', () => {
  it('lists generic and generated adapter functions', () => {
    const names = buildRegistry(fakeAdapters()).names();
    expect(names).toContain('exec');
    expect(names).toContain('compareFingerprints');
    for (const engine of ['postgres', 'mysql', 'mongodb', 'cassandra']) {
      for (const op of [
        'probe',
        'dump',
        'load',
        'freeze',
        'thaw',
        'pinSnapshot',
        'releaseSnapshot',
        'fingerprint',
      ]) {
        expect(names).toContain(`${engine}.${op}`);
      }
    }
  });

  it('throws at startup on a duplicate name', () => {
    expect(() => createRegistry([echo, echo])).toThrow('duplicate blueprint function name `echo`');
    expect(() => buildRegistry([fakeAdapter('postgres'), fakeAdapter('postgres')])).toThrow(
      '`postgres.probe`',
    );
  });
});

describe('defineFunction', () => {
  it('applies defaults and returns exactly the declared outputs', async () => {
    const { ctx } = aFunctionContext();
    await expect(echo.exec({ value: 'x' }, ctx)).resolves.toEqual({ value: 'x', times: 1 });
  });

  it('rejects bad args with a UsageError naming the function', async () => {
    const { ctx } = aFunctionContext();
    await expect(echo.exec({ value: 1 }, ctx)).rejects.toThrow(UsageError);
    await expect(echo.exec({ value: 'x', extra: 1 }, ctx)).rejects.toThrow(/invalid args for echo/);
  });

  it('rejects undeclared outputs', async () => {
    const liar = defineFunction({
      name: 'liar',
      description: '',
      args: z.strictObject({}),
      outputs: ['a'],
      exec: () => Promise.resolve({ a: 1, b: 2 }),
    });
    await expect(liar.exec({}, aFunctionContext().ctx)).rejects.toThrow('undeclared outputs: b');
  });
});

describe('adapter functions', () => {
  const calls: Call[] = [];
  const registry = buildRegistry([fakeAdapter('postgres', {}, calls)]);
  const fn = (name: string) => {
    const f = registry.get(name);
    if (!f) throw new Error(name);
    return f;
  };

  it('freeze stores a fence handle that thaw releases once (thaw is idempotent, null is a no-op)', async () => {
    calls.length = 0;
    const { ctx } = aFunctionContext();
    const { fence } = await fn('postgres.freeze').exec({ deadline: '5s' }, ctx);
    expect(typeof fence).toBe('string');
    expect(ctx.handles.held()).toEqual([fence]);
    expect(() => ctx.handles.get(FENCE_HANDLE, String(fence))).not.toThrow();
    const { heldMs } = await fn('postgres.thaw').exec({ fence }, ctx);
    expect(heldMs).toBeGreaterThanOrEqual(0);
    await fn('postgres.thaw').exec({ fence }, ctx);
    await fn('postgres.thaw').exec({ fence: null }, ctx);
    expect(calls.map((c) => c.method)).toEqual(['freeze', 'thaw']);
    expect(calls[0]?.detail).toEqual({ deadlineMs: 5000 });
  });

  it('dump from a pinned snapshot passes the snapshot and streams into the sink', async () => {
    calls.length = 0;
    const { ctx, sink, progress } = aFunctionContext();
    const { snapshot } = await fn('postgres.pinSnapshot').exec({}, ctx);
    const out = await fn('postgres.dump').exec({ strategy: 'logical', parallelism: 2, snapshot }, ctx);
    expect(out.markers).toEqual([{ kind: 'lsn', value: '0/16B3748' }]);
    expect(sink.artifacts.get('data.bin')?.toString()).toBe('0123456789');
    expect(progress).toMatchObject({ bytes: 10, rows: 2 });
    await fn('postgres.releaseSnapshot').exec({ snapshot }, ctx);
    expect(calls.map((c) => c.method)).toEqual(['pinSnapshot', 'dump', 'releaseSnapshot']);
    expect(calls[1]?.detail).toEqual({ strategy: 'logical', parallelism: 2, snapshot: 'snap-1' });
    expect(ctx.handles.held()).toEqual([]);
  });

  it('load passes rename and force', async () => {
    calls.length = 0;
    await fn('postgres.load').exec(
      { rename: { orders: 'orders_copy' }, force: true },
      aFunctionContext().ctx,
    );
    expect(calls).toEqual([
      { method: 'load', workload: 'orders', detail: { rename: { orders: 'orders_copy' }, force: true } },
    ]);
  });

  it('compareFingerprints lists every differing table', async () => {
    const compare = fn('compareFingerprints');
    const expected = { a: { rows: 1, hash: 'x' }, b: { rows: 2, hash: 'y' }, c: { rows: 3, hash: 'z' } };
    await expect(compare.exec({ expected, actual: expected }, aFunctionContext().ctx)).resolves.toEqual({
      tables: 3,
      differences: [],
    });
    const actual = { a: { rows: 1, hash: 'x' }, b: { rows: 5, hash: 'y' }, d: { rows: 1, hash: 'q' } };
    await expect(compare.exec({ expected, actual }, aFunctionContext().ctx)).rejects.toThrow(
      'fingerprints differ in 3 table(s): b: 5 rows, expected 2; c: missing; d: unexpected table',
    );
    const recorded = { 'orders.public.items': { rows: 1, hash: 'x' }, 'other.t': { rows: 2, hash: 'y' } };
    const restored = {
      'orders_copy.public.items': { rows: 1, hash: 'x' },
      'other.t': { rows: 2, hash: 'y' },
    };
    await expect(
      compare.exec(
        { expected: recorded, actual: restored, rename: { orders: 'orders_copy' } },
        aFunctionContext().ctx,
      ),
    ).resolves.toEqual({ tables: 2, differences: [] });
  });
});
