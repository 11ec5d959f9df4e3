import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ALL_RESOURCES,
  API_VERSION,
  CustomResourceError,
  conditionsWith,
  findCondition,
  isConditionTrue,
  parseBackup,
  parseBackupPolicy,
  parseBlueprint,
  parseDrill,
  parseRepository,
  parseRestore,
  type Condition,
} from '../../../../engine/kube/api/v1alpha1/index.ts';

const BLUEPRINTS = resolve(import.meta.dirname, '../../../../blueprints');
const meta = {
  name: 'nightly',
  namespace: 'shop',
  uid: 'u-1',
  generation: 3,
  creationTimestamp: '2026-01-01T00:00:00Z',
};
const obj = (kind: string, spec: unknown, status?: unknown) => ({
  apiVersion: API_VERSION,
  kind,
  metadata: meta,
  spec,
  ...(status === undefined ? {} : { status }),
});

describe('lifeboat.dev/v1alpha1 descriptors', () => {
  it('follow the contract: plural, short name, category', () => {
    expect(ALL_RESOURCES.map((r) => [r.kind, r.plural, r.singular, r.shortNames.join()])).toEqual([
      ['Blueprint', 'blueprints', 'blueprint', 'lbbp'],
      ['Repository', 'repositories', 'repository', 'lbrepo'],
      ['BackupPolicy', 'backuppolicies', 'backuppolicy', 'lbpol'],
      ['Backup', 'backups', 'backup', 'lbbk'],
      ['Restore', 'restores', 'restore', 'lbrs'],
      ['Drill', 'drills', 'drill', 'lbdr'],
    ]);
    for (const r of ALL_RESOURCES) expect(r.categories).toEqual(['lifeboat']);
  });

  it('Backup printer columns are Phase, Backup ID, Size, Freeze(ms), Age', () => {
    const backup = ALL_RESOURCES.find((r) => r.kind === 'Backup');
    expect(backup?.printerColumns.map((c) => c.name)).toEqual([
      'Phase',
      'Backup ID',
      'Size',
      'Freeze(ms)',
      'Age',
    ]);
  });
});

describe('parse functions', () => {
  it('accept full objects of every kind, keeping metadata the API server adds', () => {
    const backup = parseBackup(
      obj(
        'Backup',
        {
          repository: 'repo',
          application: 'shop',
          strategy: 'logical',
          consistency: 'app',
          workloads: ['orders-db'],
        },
        {
          phase: 'Running',
          runner: { identity: 'lifeboat-0', startedAt: '2026-01-01T00:00:01Z' },
          progress: { bytes: 10, updatedAt: '2026-01-01T00:00:02Z' },
          conditions: [
            {
              type: 'Progressing',
              status: 'True',
              reason: 'Running',
              message: '',
              lastTransitionTime: '2026-01-01T00:00:01Z',
            },
          ],
        },
      ),
    );
    expect(backup.spec.repository).toBe('repo');
    expect(backup.status?.phase).toBe('Running');
    expect(backup.metadata).toMatchObject({ uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z' });

    expect(
      parseRepository(obj('Repository', { url: 's3://bucket/prefix', credentialsSecret: { name: 's3' } }))
        .spec.url,
    ).toBe('s3://bucket/prefix');
    expect(
      parseBackupPolicy(
        obj('BackupPolicy', {
          repository: 'repo',
          schedule: '0 3 * * *',
          selector: { matchLabels: { app: 'shop' } },
          retention: { keepDaily: 7, keepWeekly: 4 },
          drill: { schedule: '0 5 * * 0' },
        }),
      ).spec.retention?.keepDaily,
    ).toBe(7);
    expect(
      parseRestore(
        obj('Restore', { repository: 'repo', backupId: 'b-1', namespaceMapping: { shop: 'shop-copy' } }),
      ).spec.namespaceMapping,
    ).toEqual({ shop: 'shop-copy' });
    expect(
      parseDrill(obj('Drill', { repository: 'repo' }, { phase: 'Succeeded', result: 'Passed' })).status
        ?.result,
    ).toBe('Passed');
  });

  const invalid: { name: string; run: () => unknown; path: RegExp }[] = [
    { name: 'missing repository', run: () => parseBackup(obj('Backup', {})), path: /^spec\.repository$/ },
    {
      name: 'reference to another namespace',
      run: () => parseBackup(obj('Backup', { repository: 'other-ns/repo' })),
      path: /^spec\.repository$/,
    },
    {
      name: 'unknown strategy',
      run: () => parseBackup(obj('Backup', { repository: 'r', strategy: 'x' })),
      path: /^spec\.strategy$/,
    },
    {
      name: 'unknown spec field',
      run: () => parseBackup(obj('Backup', { repository: 'r', repo: 'r' })),
      path: /^spec$/,
    },
    {
      name: 'bad phase in status',
      run: () => parseBackup(obj('Backup', { repository: 'r' }, { phase: 'Done' })),
      path: /^status\.phase$/,
    },
    {
      name: 'http repository URL',
      run: () => parseRepository(obj('Repository', { url: 'http://example.com/x' })),
      path: /^spec\.url$/,
    },
    {
      name: 'a 4-field schedule',
      run: () => parseBackupPolicy(obj('BackupPolicy', { repository: 'r', schedule: '0 3 * *' })),
      path: /^spec\.schedule$/,
    },
    {
      name: 'negative retention',
      run: () =>
        parseBackupPolicy(
          obj('BackupPolicy', { repository: 'r', schedule: '0 3 * * *', retention: { keepLast: -1 } }),
        ),
      path: /^spec\.retention\.keepLast$/,
    },
    {
      name: 'empty member name',
      run: () => parseRestore(obj('Restore', { repository: 'r', backupId: 'b', members: ['ok', ''] })),
      path: /^spec\.members\[1\]$/,
    },
    { name: 'wrong kind', run: () => parseDrill(obj('Backup', { repository: 'r' })), path: /^kind$/ },
  ];
  it.each(invalid)('reject $name with CustomResourceError naming the field', ({ run, path }) => {
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CustomResourceError);
    const e = error as CustomResourceError;
    expect(e.path).toMatch(path);
    expect(e.message).toContain('shop/nightly');
    expect(e.message).toContain(e.path);
  });

  it('every built-in blueprint file is a valid Blueprint object as is', async () => {
    const files = (await readdir(BLUEPRINTS)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const doc = parse(await readFile(join(BLUEPRINTS, f), 'utf8')) as unknown;
      expect(parseBlueprint(doc).kind).toBe('Blueprint');
    }
  });
});

describe('conditionsWith', () => {
  const t0 = new Date('2026-01-01T00:00:00.000Z');
  const t1 = new Date('2026-01-01T00:05:00.500Z');
  const ready: Condition = {
    type: 'Ready',
    status: 'False',
    reason: 'Pending',
    message: 'waiting',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };

  it('adds a condition stamped now (RFC 3339, seconds)', () => {
    expect(
      conditionsWith(undefined, { type: 'Ready', status: 'True', reason: 'Checked', message: '' }, t1),
    ).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Checked',
        message: '',
        lastTransitionTime: '2026-01-01T00:05:00Z',
      },
    ]);
  });

  it('keeps lastTransitionTime when status is unchanged, updating reason and message', () => {
    const out = conditionsWith(
      [ready],
      { type: 'Ready', status: 'False', reason: 'Unreachable', message: 'timeout', observedGeneration: 2 },
      t1,
    );
    expect(out).toEqual([{ ...ready, reason: 'Unreachable', message: 'timeout', observedGeneration: 2 }]);
  });

  it('moves lastTransitionTime when status changes, keeps other conditions and their order, never mutates', () => {
    const progressing: Condition = {
      type: 'Progressing',
      status: 'True',
      reason: 'Running',
      message: '',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const before = [ready, progressing];
    const snapshot = structuredClone(before);
    const out = conditionsWith(before, { type: 'Ready', status: 'True', reason: 'Done', message: '' }, t1);
    expect(out).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Done',
        message: '',
        lastTransitionTime: '2026-01-01T00:05:00Z',
      },
      progressing,
    ]);
    expect(before).toEqual(snapshot);
    expect(isConditionTrue(out, 'Ready')).toBe(true);
    expect(findCondition(out, 'Failed')).toBeUndefined();
    expect(
      conditionsWith(out, { type: 'Failed', status: 'False', reason: 'NoError', message: '' }, t0).map(
        (c) => c.type,
      ),
    ).toEqual(['Ready', 'Progressing', 'Failed']);
  });
});
