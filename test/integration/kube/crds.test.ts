/**
 * The generated CRDs on a real kube-apiserver: accepted as structural, Established, served
 * with short names, category and status subresource; built-in blueprint files apply as
 * is under kubectl's strict field validation; one valid object of each kind round-trips
 * unpruned and passes the controller's zod parse; invalid objects are refused by the API
 * server itself with the field named.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_RESOURCES,
  API_VERSION,
  parseBackup,
  parseBackupPolicy,
  parseBlueprint,
  parseDrill,
  parseRepository,
  parseRestore,
} from '../../../engine/kube/api/v1alpha1/index.ts';
import { useServer } from '../../../testcontainers/index.ts';
import { applyCrds, committedCrds, waitEstablished } from './_crds.ts';
import { RawKube, statusMessage, type KubeObject } from './_raw.ts';

const BLUEPRINTS = resolve(import.meta.dirname, '../../../blueprints');
const NS = `lb-crds-${randomBytes(3).toString('hex')}`;
const STRICT = '?fieldValidation=Strict';

const cr = (kind: string, name: string, spec: unknown): KubeObject => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name, namespace: NS },
  spec,
});

describe('Lifeboat CRDs on a real API server', () => {
  let kube: RawKube;

  beforeAll(async () => {
    const server = await useServer('kube');
    await applyCrds(server.kubeconfig);
    kube = new RawKube(server.kubeconfig);
    const ns = await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    expect(ns.status, statusMessage(ns)).toBe(201);
  });

  it('every CRD is accepted as structural and Established', async () => {
    const crds = await committedCrds();
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(
      ALL_RESOURCES.map((r) => `${r.plural}.lifeboat.dev`).sort(),
    );
    for (const crd of crds) {
      const conditions = await waitEstablished(kube, crd.metadata.name);
      expect(conditions.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
      expect(conditions.find((c) => c.type === 'NonStructuralSchema')).toBeUndefined();
    }
  });

  it('serves every kind with its short name, the lifeboat category and a status subresource', async () => {
    const res = await kube.request('GET', '/apis/lifeboat.dev/v1alpha1');
    const resources = (
      res.body as {
        resources: {
          name: string;
          kind: string;
          shortNames?: string[];
          categories?: string[];
          namespaced: boolean;
        }[];
      }
    ).resources;
    for (const r of ALL_RESOURCES) {
      const served = resources.find((x) => x.name === r.plural);
      expect(served, r.plural).toMatchObject({
        kind: r.kind,
        namespaced: true,
        shortNames: [...r.shortNames],
        categories: ['lifeboat'],
      });
      expect(resources.some((x) => x.name === `${r.plural}/status`)).toBe(true);
    }
  });

  it('built-in and example blueprint files apply as is with strict field validation, nothing pruned', async () => {
    // The worked examples of the authoring guide too: users copy them as they are.
    const examples = (await readdir(join(BLUEPRINTS, 'examples'))).map((f) => join('examples', f));
    const files = [...(await readdir(BLUEPRINTS)), ...examples].filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const doc = parse(await readFile(join(BLUEPRINTS, file), 'utf8')) as KubeObject;
      const res = await kube.create({ ...doc, metadata: { ...doc.metadata, namespace: NS } }, STRICT);
      expect(res.status, `${file}: ${statusMessage(res)}`).toBe(201);
      const stored = parseBlueprint(res.body);
      expect(stored.spec).toEqual(doc.spec);
    }
  });

  it('one valid object of each other kind is accepted, stored unpruned, and passes the zod parse', async () => {
    const objects: [KubeObject, (o: unknown) => { spec: unknown }][] = [
      [
        cr('Repository', 'offsite', {
          url: 's3://backups/shop',
          endpoint: 'http://minio.storage:9000',
          region: 'us-east-1',
          forcePathStyle: true,
          credentialsSecret: { name: 's3-credentials' },
          encryptionKeySecret: { name: 'repo-key', key: 'key' },
          objectLock: { mode: 'governance', retainDays: 30 },
        }),
        parseRepository,
      ],
      [
        cr('BackupPolicy', 'nightly', {
          repository: 'offsite',
          selector: {
            matchLabels: { 'app.kubernetes.io/part-of': 'shop' },
            matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }],
          },
          schedule: '0 3 * * *',
          timeZone: 'Europe/Paris',
          strategy: 'replica',
          consistency: 'app',
          retention: { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 2 },
          drill: { schedule: '0 5 * * 0' },
          suspend: false,
        }),
        parseBackupPolicy,
      ],
      [
        cr('Backup', 'manual-1', {
          repository: 'offsite',
          application: 'shop',
          workloads: ['orders-db'],
          policy: 'nightly',
          strategy: 'logical',
          consistency: 'member',
          blueprint: 'postgres',
        }),
        parseBackup,
      ],
      [
        cr('Restore', 'restore-1', {
          repository: 'offsite',
          backupId: '20260101T030000Z-abc123',
          sourceCluster: 'cluster-a',
          targetNamespace: NS,
          namespaceMapping: { shop: NS },
          storageClassMapping: { fast: 'standard' },
          members: ['orders-db'],
          databaseMapping: { orders: 'orders_copy' },
          force: true,
        }),
        parseRestore,
      ],
      [
        cr('Drill', 'drill-1', {
          repository: 'offsite',
          application: 'shop',
          backupId: '20260101T030000Z-abc123',
        }),
        parseDrill,
      ],
    ];
    for (const [object, parseFn] of objects) {
      const res = await kube.create(object, STRICT);
      expect(res.status, `${object.kind}: ${statusMessage(res)}`).toBe(201);
      expect(parseFn(res.body).spec).toEqual(object.spec);
    }
  });

  it('status is a subresource: written through /status, ignored on the main resource; printer columns show it', async () => {
    const created = await kube.create(cr('Backup', 'with-status', { repository: 'offsite' }));
    expect(created.status, statusMessage(created)).toBe(201);
    const path = `/apis/lifeboat.dev/v1alpha1/namespaces/${NS}/backups/with-status`;
    const status = {
      phase: 'Succeeded',
      backupId: '20260101T030000Z-abc123',
      cluster: 'cluster-a',
      startedAt: '2026-01-01T03:00:00Z',
      completedAt: '2026-01-01T03:01:00Z',
      runner: { identity: 'lifeboat-controller-0', startedAt: '2026-01-01T03:00:00Z' },
      progress: {
        bytes: 1048576,
        rows: 1000,
        bytesPerSecond: 17476.3,
        etaSeconds: 0,
        updatedAt: '2026-01-01T03:01:00Z',
      },
      bytes: 1048576,
      storedBytes: 400000,
      freezeWindowMs: 42.5,
      members: [{ name: 'orders-db', engine: 'postgres', strategy: 'logical', guarantee: 'fenced' }],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'BackupSucceeded',
          message: 'done',
          lastTransitionTime: '2026-01-01T03:01:00Z',
          observedGeneration: 1,
        },
      ],
    };
    const ignored = await kube.request('PATCH', path, { status: { phase: 'Failed' } });
    expect(ignored.status, statusMessage(ignored)).toBe(200);
    expect((ignored.body as { status?: unknown }).status).toBeUndefined();

    const written = await kube.request('PATCH', `${path}/status`, { status });
    expect(written.status, statusMessage(written)).toBe(200);
    expect(parseBackup(written.body).status).toEqual(status);

    const table = await kube.request(
      'GET',
      `/apis/lifeboat.dev/v1alpha1/namespaces/${NS}/backups`,
      undefined,
      {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      },
    );
    const body = table.body as {
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[]; object: { metadata: { name: string } } }[];
    };
    expect(body.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Phase',
      'Backup ID',
      'Size',
      'Freeze(ms)',
      'Age',
    ]);
    const row = body.rows.find((r) => r.object.metadata.name === 'with-status');
    expect(row?.cells.slice(0, 5)).toEqual([
      'with-status',
      'Succeeded',
      '20260101T030000Z-abc123',
      1048576,
      42.5,
    ]);
  });

  const refused: { name: string; object: () => KubeObject; field: string }[] = [
    {
      name: 'a Backup without repository',
      object: () => cr('Backup', 'bad-1', {}),
      field: 'spec.repository: Required value',
    },
    {
      name: 'an unknown strategy',
      object: () => cr('Backup', 'bad-2', { repository: 'r', strategy: 'volume-clone' }),
      field: 'spec.strategy: Unsupported value: "volume-clone"',
    },
    {
      name: 'a reference into another namespace',
      object: () => cr('Backup', 'bad-3', { repository: 'team-b/offsite' }),
      field: 'spec.repository: Invalid value',
    },
    {
      name: 'an unknown field (kubectl strict)',
      object: () => cr('Backup', 'bad-4', { repository: 'r', repo: 'x' }),
      field: 'unknown field "spec.repo"',
    },
    {
      name: 'an http repository URL',
      object: () => cr('Repository', 'bad-5', { url: 'http://example.com' }),
      field: 'spec.url: Invalid value',
    },
    {
      name: 'a 4-field cron schedule',
      object: () => cr('BackupPolicy', 'bad-6', { repository: 'r', schedule: '0 3 * *' }),
      field: 'spec.schedule: Invalid value',
    },
    {
      name: 'negative retention',
      object: () =>
        cr('BackupPolicy', 'bad-7', { repository: 'r', schedule: '0 3 * * *', retention: { keepDaily: -1 } }),
      field: 'spec.retention.keepDaily: Invalid value',
    },
    {
      name: 'a non-string mapping target',
      object: () => cr('Restore', 'bad-8', { repository: 'r', backupId: 'b', namespaceMapping: { a: 1 } }),
      field: 'spec.namespaceMapping.a: Invalid value',
    },
    {
      name: 'a blueprint phase with a malformed function name',
      object: () =>
        cr('Blueprint', 'bad-9', {
          engine: 'postgres',
          actions: { backup: { phases: [{ name: 'dump', func: 'pg dump' }] } },
        }),
      field: 'spec.actions.backup.phases[0].func: Invalid value',
    },
    {
      name: 'a blueprint without any action',
      object: () => cr('Blueprint', 'bad-11', { engine: 'postgres', actions: {} }),
      field: 'spec.actions: Invalid value',
    },
    {
      name: 'a Drill without spec',
      object: () => ({ apiVersion: API_VERSION, kind: 'Drill', metadata: { name: 'bad-10', namespace: NS } }),
      field: 'spec: Required value',
    },
  ];
  it.each(refused)('refuses $name, naming the field', async ({ object, field }) => {
    const res = await kube.create(object(), STRICT);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(statusMessage(res)).toContain(field);
  });

  it('refuses an invalid status condition written by a controller, naming the field', async () => {
    const created = await kube.create(cr('Drill', 'status-check', { repository: 'offsite' }));
    expect(created.status, statusMessage(created)).toBe(201);
    const res = await kube.request(
      'PATCH',
      `/apis/lifeboat.dev/v1alpha1/namespaces/${NS}/drills/status-check/status`,
      {
        status: {
          phase: 'Running',
          conditions: [
            { type: 'Done', status: 'True', reason: 'X', message: '', lastTransitionTime: 'yesterday' },
          ],
        },
      },
    );
    expect(res.status).toBe(422);
    expect(statusMessage(res)).toContain('status.conditions[0].type: Unsupported value: "Done"');
    expect(statusMessage(res)).toContain('status.conditions[0].lastTransitionTime');
  });
});
