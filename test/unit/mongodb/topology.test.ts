import { describe, expect, it } from 'vitest';
import { portableIndex } from '../../../adapters/mongodb/catalog.ts';
import { privilegesOf } from '../../../adapters/mongodb/probe.ts';
import { chooseSecondary, type MemberState } from '../../../adapters/mongodb/replica.ts';
import { limitationsOf, supportsSnapshotReads, topologyOf } from '../../../adapters/mongodb/server-info.ts';

const member = (name: string, over: Partial<MemberState> = {}): MemberState => ({
  name,
  state: 'SECONDARY',
  healthy: true,
  hidden: false,
  priority: 1,
  lagSeconds: 0,
  ...over,
});

describe('chooseSecondary', () => {
  it.each<[string, MemberState[], number, string]>([
    ['prefers a hidden member', [member('a:1'), member('h:1', { hidden: true, lagSeconds: 5 })], 30, 'h:1'],
    [
      'then the lowest priority',
      [member('a:1', { priority: 2 }), member('b:1', { priority: 0.5 })],
      30,
      'b:1',
    ],
    ['then the least lag', [member('a:1', { lagSeconds: 9 }), member('b:1', { lagSeconds: 2 })], 30, 'b:1'],
    ['never the primary', [member('p:1', { state: 'PRIMARY' }), member('s:1', { priority: 5 })], 30, 's:1'],
    ['skips unhealthy members', [member('a:1', { healthy: false, hidden: true }), member('b:1')], 30, 'b:1'],
    [
      'skips members over the lag limit',
      [member('h:1', { hidden: true, lagSeconds: 60 }), member('b:1')],
      30,
      'b:1',
    ],
  ])('%s', (_name, members, limit, expected) => {
    const choice = chooseSecondary(members, limit);
    expect('member' in choice ? choice.member.name : choice.reason).toBe(expected);
  });

  it.each<[string, MemberState[], RegExp]>([
    ['no secondary', [member('p:1', { state: 'PRIMARY' })], /no healthy secondary/],
    [
      'all too far behind',
      [member('a:1', { lagSeconds: 40 }), member('b:1', { lagSeconds: 31 })],
      /lags more than 30s \(least: 31s\)/,
    ],
  ])('refuses when %s', (_name, members, reason) => {
    const choice = chooseSecondary(members, 30);
    expect('reason' in choice ? choice.reason : '').toMatch(reason);
  });
});

describe('topologyOf / limitations', () => {
  it.each([
    [{ isWritablePrimary: true }, 'standalone'],
    [{ msg: 'isdbgrid' }, 'mongos'],
    [{ setName: 'rs0', isWritablePrimary: true, hosts: ['a:1', 'b:1'] }, 'replicaSet'],
  ])('classifies %j as %s', (hello, kind) => {
    expect(topologyOf(hello).kind).toBe(kind);
  });

  it('reads the replica set role, hidden flag and members', () => {
    expect(
      topologyOf({
        setName: 'rs0',
        secondary: true,
        hidden: true,
        primary: 'a:1',
        hosts: ['a:1'],
        passives: ['p:1'],
      }),
    ).toEqual({
      kind: 'replicaSet',
      setName: 'rs0',
      role: 'secondary',
      hidden: true,
      primary: 'a:1',
      members: ['a:1', 'p:1'],
    });
  });

  it('names FerretDB and the missing replica set', () => {
    const text = limitationsOf({
      version: '7.0.42',
      ferretdb: '1.24.2',
      hello: { isWritablePrimary: true },
    }).join('\n');
    expect(text).toMatch(/FerretDB 1\.24\.2 .*no fsyncLock/);
    expect(text).toMatch(/standalone server, not a replica set: no oplog/);
    expect(limitationsOf({ version: '7.0.1', hello: { setName: 'rs0', isWritablePrimary: true } })).toEqual(
      [],
    );
  });

  it.each([
    [{ version: '7.0.1', hello: { setName: 'rs0', maxWireVersion: 21 } }, true],
    [{ version: '4.4.0', hello: { setName: 'rs0', maxWireVersion: 9 } }, false],
    [{ version: '7.0.1', hello: { maxWireVersion: 21 } }, false],
    [{ version: '7.0.42', ferretdb: '1.24.2', hello: { setName: 'x', maxWireVersion: 21 } }, false],
  ])('snapshot reads for %j: %s', (info, expected) => {
    expect(supportsSnapshotReads(info)).toBe(expected);
  });
});

describe('portableIndex / privilegesOf', () => {
  it('drops server-chosen index fields and keeps the rest', () => {
    expect(
      portableIndex({ v: 2, ns: 'a.b', background: true, key: { a: 1 }, name: 'a_1', unique: true }),
    ).toEqual({
      key: { a: 1 },
      name: 'a_1',
      unique: true,
    });
  });

  it('lists roles and the actions that matter', () => {
    expect(
      privilegesOf({
        authInfo: {
          authenticatedUserRoles: [{ role: 'backup', db: 'admin' }],
          authenticatedUserPrivileges: [{ actions: ['find', 'fsync', 'somethingElse'] }],
        },
      }),
    ).toEqual(['find', 'fsync', 'role:backup@admin']);
  });
});
