import { describe, expect, it } from 'vitest';
import type { Workload } from '../../../engine/model/index.ts';
import type { Manifest, ManifestMember } from '../../../engine/repository/index.ts';
import {
  mapRestoreTargets,
  memberTargetNamespaces,
  restoreRequestFor,
} from '../../../engine/runs/restore-mapping.ts';

function aMember(
  name: string,
  engine: string,
  databases: string[],
  kubernetes?: ManifestMember['kubernetes'],
) {
  return {
    name,
    engine,
    markers: [],
    details: { databases: databases.join(','), endpoint: `postgres://src-${name}:5432/` },
    ...(kubernetes && { kubernetes }),
  } satisfies ManifestMember;
}

function aManifest(members: ManifestMember[], extra: Partial<Manifest> = {}): Manifest {
  return {
    version: 1,
    backupId: '20261125T150000Z-0001',
    app: 'shop',
    cluster: 'cluster-a',
    namespace: 'shop-a',
    startedAt: '2026-11-25T15:00:00.000Z',
    completedAt: '2026-11-25T15:00:05.000Z',
    members,
    artifacts: [],
    tools: {},
    labels: {},
    ...extra,
  };
}

function aWorkload(
  namespace: string,
  name: string,
  engine: Workload['engine'],
  extra: Partial<Workload> = {},
): Workload {
  return {
    name,
    engine,
    primary: {
      host: `${name}.${namespace}.svc`,
      port: 5432,
      role: 'primary',
      url: `postgres://${name}.${namespace}.svc:5432/app`,
    },
    replicas: [],
    databases: [],
    credentials: { username: 'admin', password: `pw-${namespace}-${name}` },
    owner: { kind: 'StatefulSet', name, namespace },
    namespace,
    annotations: {},
    pvcs: [`data-${name}-0`],
    source: 'kubernetes',
    ...extra,
  };
}

const ORDERS = aMember('orders-db', 'postgres', ['orders'], {
  namespace: 'shop-a',
  kind: 'StatefulSet',
  name: 'orders-db',
  pvcs: [{ name: 'data-orders-db-0', storageClass: 'fast-a' }, { name: 'wal-orders-db-0' }],
});

describe('mapRestoreTargets', () => {
  it('maps the namespace, finds the same workload there, maps storage classes and database names', () => {
    const targets = [
      aWorkload('shop-a', 'orders-db', 'postgres'),
      aWorkload('shop-b', 'orders-db', 'postgres'),
      aWorkload('other', 'orders-db', 'postgres'),
    ];
    const mapping = mapRestoreTargets(
      aManifest([ORDERS]),
      {
        targetNamespace: 'other',
        namespaceMapping: { 'shop-a': 'shop-b' },
        storageClassMapping: { 'fast-a': 'standard-b' },
        databaseMapping: { orders: 'orders_restored', unrelated: 'x' },
        sourceCluster: 'cluster-a',
        availableStorageClasses: ['standard-b'],
      },
      targets,
    );
    expect(mapping.problems).toEqual([]);
    const [m] = mapping.members;
    expect(m).toMatchObject({
      member: 'orders-db',
      sourceNamespace: 'shop-a',
      targetNamespace: 'shop-b',
      matchedBy: 'owner',
      rename: { orders: 'orders_restored' },
      databases: ['orders_restored'],
      pvcs: [
        {
          source: 'data-orders-db-0',
          target: 'data-orders-db-0',
          sourceStorageClass: 'fast-a',
          storageClass: 'standard-b',
        },
        { source: 'wal-orders-db-0', target: 'wal-orders-db-0' },
      ],
    });
    expect(m?.workload.primary.host).toBe('orders-db.shop-b.svc');
  });

  it('falls back to targetNamespace and to the member name; renames PVCs for a differently named owner', () => {
    const renamed = aWorkload('restore-ns', 'orders-db', 'postgres', {
      owner: { kind: 'StatefulSet', name: 'orders-v2', namespace: 'restore-ns' },
      pvcs: ['data-orders-v2-0'],
    });
    const mapping = mapRestoreTargets(aManifest([ORDERS]), { targetNamespace: 'restore-ns' }, [renamed]);
    expect(mapping.problems).toEqual([]);
    expect(mapping.members[0]).toMatchObject({
      targetNamespace: 'restore-ns',
      matchedBy: 'member name',
      pvcs: [
        { source: 'data-orders-db-0', target: 'data-orders-v2-0', storageClass: 'fast-a' },
        { source: 'wal-orders-db-0', target: 'wal-orders-v2-0' },
      ],
    });
  });

  it('places members of CLI backups (no Kubernetes record) by name in the target namespace', () => {
    const cli = aManifest([aMember('orders', 'postgres', ['orders'])], {
      namespace: undefined,
      cluster: undefined,
    });
    const mapping = mapRestoreTargets(cli, { targetNamespace: 'ns' }, [
      aWorkload('ns', 'orders', 'postgres'),
    ]);
    expect(mapping.problems).toEqual([]);
    expect(mapping.members[0]?.sourceNamespace).toBeUndefined();
  });

  it('reports every member it cannot place, a wrong source cluster and a missing storage class', () => {
    const stock = aMember('stock-db', 'mysql', ['stock'], {
      namespace: 'shop-a',
      kind: 'StatefulSet',
      name: 'stock-db',
      pvcs: [],
    });
    const mapping = mapRestoreTargets(
      aManifest([ORDERS, stock]),
      {
        targetNamespace: 'shop-b',
        sourceCluster: 'cluster-z',
        members: ['orders-db', 'stock-db', 'ghost'],
        availableStorageClasses: ['standard-b'],
      },
      [aWorkload('shop-b', 'orders-db', 'postgres'), aWorkload('shop-b', 'stock-db', 'postgres')],
    );
    expect(mapping.problems).toEqual([
      'backup 20261125T150000Z-0001 was taken in cluster cluster-a, not cluster-z',
      'member ghost: not in backup 20261125T150000Z-0001 (it has: orders-db, stock-db)',
      'member orders-db: PVC data-orders-db-0: storage class fast-a does not exist in the target cluster; map it with storageClassMapping',
      'member stock-db: target stock-db in namespace shop-b runs postgres, the backup holds mysql',
    ]);
    const none = mapRestoreTargets(aManifest([ORDERS]), { targetNamespace: 'empty' }, []);
    expect(none.problems).toEqual([
      'member orders-db: no StatefulSet orders-db in namespace empty of the target cluster (database workloads found: none)',
    ]);
  });
});

describe('memberTargetNamespaces', () => {
  it('says where each selected member would go before any workload is looked up', () => {
    const cli = aMember('cache', 'postgres', ['cache']);
    const manifest = aManifest([ORDERS, cli], { namespace: 'shop-a' });
    expect(
      memberTargetNamespaces(manifest, { targetNamespace: 'here', namespaceMapping: { 'shop-a': 'there' } }),
    ).toEqual({
      'orders-db': 'there',
      cache: 'there',
    });
    expect(memberTargetNamespaces(manifest, { targetNamespace: 'here', members: ['cache'] })).toEqual({
      cache: 'here',
    });
  });
});

describe('restoreRequestFor', () => {
  it('targets the mapped servers with their user, keeps passwords out of URLs, renames databases', () => {
    const manifest = aManifest([ORDERS]);
    const mapping = mapRestoreTargets(
      manifest,
      { targetNamespace: 'shop-b', databaseMapping: { orders: 'orders_b' } },
      [aWorkload('shop-b', 'orders-db', 'postgres')],
    );
    const request = restoreRequestFor(manifest, mapping, { force: false, verify: true, parallelism: 2 });
    expect(request.targets).toEqual({ 'orders-db': 'postgres://admin@orders-db.shop-b.svc:5432/' });
    expect(request.passwordFor('orders-db')).toBe('pw-shop-b-orders-db');
    expect(request.rename).toEqual({ 'orders-db': { orders: 'orders_b' } });
    expect(request.only).toEqual(['orders-db']);
    expect(JSON.stringify(request)).not.toContain('pw-shop-b');
  });
});
