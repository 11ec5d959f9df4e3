import { describe, expect, it } from 'vitest';
import { parseManifest, serializeManifest } from '../../../engine/repository/manifest.ts';

/** A manifest as version 1 wrote it before clusters, namespaces and Kubernetes records existed. */
const OLD = {
  version: 1,
  backupId: '20260101T000000Z-abcd',
  app: 'shop',
  startedAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T00:00:05.000Z',
  members: [{ name: 'orders', engine: 'postgres', markers: [], details: { databases: 'orders' } }],
  artifacts: [],
  tools: { lifeboat: '0.1.0' },
  labels: {},
};

describe('manifest: source cluster, namespace and Kubernetes objects', () => {
  it('reads manifests written before the fields existed', () => {
    const m = parseManifest(JSON.stringify(OLD));
    expect(m.cluster).toBeUndefined();
    expect(m.namespace).toBeUndefined();
    expect(m.members[0]?.kubernetes).toBeUndefined();
  });

  it('round-trips them when present', () => {
    const m = parseManifest(
      JSON.stringify({
        ...OLD,
        cluster: 'east',
        namespace: 'shop',
        members: [
          {
            ...OLD.members[0],
            kubernetes: {
              namespace: 'shop',
              kind: 'StatefulSet',
              name: 'orders-db',
              pvcs: [{ name: 'data-orders-db-0', storageClass: 'fast' }, { name: 'wal-orders-db-0' }],
            },
          },
        ],
      }),
    );
    expect(parseManifest(serializeManifest(m))).toEqual(m);
    expect(m.cluster).toBe('east');
    expect(m.members[0]?.kubernetes?.pvcs[0]).toEqual({ name: 'data-orders-db-0', storageClass: 'fast' });
  });

  it('refuses a cluster that is not a string', () => {
    expect(() => parseManifest(JSON.stringify({ ...OLD, cluster: 7 }))).toThrow();
  });
});
