import { describe, expect, it } from 'vitest';
import { parseDbArgument, workloadsFromArguments } from '../../../engine/model/index.ts';
import { UsageError } from '../../../engine/errors.ts';

describe('parseDbArgument', () => {
  it.each([
    ['orders=postgres://u@h/db', { name: 'orders', url: 'postgres://u@h/db' }],
    ['postgres://u@h/db', { url: 'postgres://u@h/db' }],
    ['postgres://u:a=b@h/db', { url: 'postgres://u:a=b@h/db' }],
  ])('%s', (raw, expected) => {
    expect(parseDbArgument(raw)).toEqual(expected);
  });
});

describe('workloadsFromArguments', () => {
  it('builds a workload with defaults and keeps the password out of the URL', () => {
    const [w] = workloadsFromArguments(['postgres://app:s3cret@db.local/orders']);
    expect(w).toMatchObject({
      name: 'orders',
      engine: 'postgres',
      primary: { host: 'db.local', port: 5432, role: 'primary' },
      databases: ['orders'],
      credentials: { username: 'app', password: 's3cret' },
    });
    expect(w?.primary.url).not.toContain('s3cret');
  });

  it('maps mariadb:// to the mysql engine and takes passwords from the callback', () => {
    const [w] = workloadsFromArguments(['inv=mariadb://root@127.0.0.1:3307/'], [], (n) =>
      n === 'inv' ? 'pw' : undefined,
    );
    expect(w).toMatchObject({ name: 'inv', engine: 'mysql', databases: [], credentials: { password: 'pw' } });
    expect(w?.primary.port).toBe(3307);
  });

  it('attaches replicas by member name, or to the only member', () => {
    const one = workloadsFromArguments(['postgres://u@p/db'], ['postgres://u@s:5433/db']);
    expect(one[0]?.replicas.map((r) => [r.host, r.port, r.role])).toEqual([['s', 5433, 'replica']]);
    const two = workloadsFromArguments(['a=postgres://u@p/a', 'b=mysql://u@m/b'], ['b=mysql://u@r/b']);
    expect(two[0]?.replicas).toEqual([]);
    expect(two[1]?.replicas).toHaveLength(1);
  });

  it.each([
    [[], [], /at least one --db/],
    [['redis://h/0'], [], /unknown scheme "redis:"/],
    [['postgres://h/a', 'postgres://x/a'], [], /member name "a" is used twice/],
    [['a=postgres://h/a', 'b=postgres://h/b'], ['postgres://r/a'], /name the member/],
    [['a=postgres://h/a'], ['c=postgres://r/a'], /no --db member is named "c"/],
    [['a=postgres://h/a'], ['a=mysql://r/a'], /a mysql URL for a postgres member/],
  ])('rejects %j %j', (dbs, replicas, message) => {
    expect(() => workloadsFromArguments(dbs, replicas)).toThrow(UsageError);
    expect(() => workloadsFromArguments(dbs, replicas)).toThrow(message);
  });

  it('never echoes a password in a usage error', () => {
    expect(() => workloadsFromArguments(['redis://u:topsecret@h/0'])).toThrow(/^(?!.*topsecret)/);
  });
});

describe('engines without an adapter', () => {
  it('accepts their scheme only when a blueprint names the engine, and needs a port', () => {
    expect(() => workloadsFromArguments(['redis://127.0.0.1:6379'])).toThrow(
      /unknown scheme "redis:".*a blueprint for it is given/,
    );
    const [w] = workloadsFromArguments(['cache=redis://:pw@127.0.0.1:6380'], [], undefined, ['redis']);
    expect(w).toMatchObject({
      name: 'cache',
      engine: 'redis',
      primary: { host: '127.0.0.1', port: 6380, url: 'redis://127.0.0.1:6380' },
      credentials: { password: 'pw' },
    });
    expect(() => workloadsFromArguments(['redis://127.0.0.1'], [], undefined, ['redis'])).toThrow(
      'give the port (Lifeboat knows no default for redis)',
    );
  });
});
