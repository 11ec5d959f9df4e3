import { describe, expect, it } from 'vitest';
import { ActionFailure } from '../../../engine/controller/action-failure.ts';
import { selectTargets } from '../../../engine/controller/targets.ts';
import type { DiscoveredWorkload, DiscoveryResult } from '../../../engine/kube/index.ts';

function workload(namespace: string, app: string, name: string, problems: string[] = []): DiscoveredWorkload {
  return {
    workload: { name, namespace } as DiscoveredWorkload['workload'],
    recognised: { namespace, app, name, kind: 'StatefulSet' } as DiscoveredWorkload['recognised'],
    credentialsFrom: undefined,
    problems,
  };
}

function discovery(...workloads: DiscoveredWorkload[]): DiscoveryResult {
  const apps = new Map<string, DiscoveredWorkload[]>();
  for (const w of workloads) {
    const key = `${w.recognised.namespace}/${w.recognised.app}`;
    apps.set(key, [...(apps.get(key) ?? []), w]);
  }
  return {
    applications: [...apps.values()].map((ws) => ({
      name: ws[0]?.recognised.app ?? '',
      namespace: ws[0]?.recognised.namespace ?? '',
      workloads: ws,
    })),
    skipped: [{ kind: 'Deployment', name: 'web', namespace: 'shop', reason: 'no database image' }],
  };
}

const names = (t: ReturnType<typeof selectTargets>) => t.workloads.map((w) => w.workload.name);

function failure(fn: () => unknown): ActionFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof ActionFailure) return error;
    throw error;
  }
  throw new Error('expected an ActionFailure');
}

describe('selectTargets', () => {
  const d = discovery(
    workload('shop', 'shop', 'orders-db'),
    workload('shop', 'shop', 'stock-db'),
    workload('shop', 'crm', 'crm-db'),
    workload('other', 'shop', 'elsewhere-db'),
  );

  it('takes the named application of the namespace only', () => {
    const t = selectTargets(d, 'shop', { application: 'shop' });
    expect(t.application).toBe('shop');
    expect(names(t)).toEqual(['orders-db', 'stock-db']);
  });

  it('without an application: every database workload of the namespace as one application', () => {
    const t = selectTargets(d, 'shop', {});
    expect(t.application).toBe('shop');
    expect(names(t)).toEqual(['orders-db', 'stock-db', 'crm-db']);
    expect(selectTargets(d, 'other', {}).application).toBe('shop');
  });

  it('narrows to the named workloads and names unknown ones', () => {
    expect(names(selectTargets(d, 'shop', { application: 'shop', workloads: ['stock-db'] }))).toEqual([
      'stock-db',
    ]);
    const f = failure(() => selectTargets(d, 'shop', { application: 'shop', workloads: ['crm-db'] }));
    expect(f.reason).toBe('TargetNotFound');
    expect(f.message).toContain('crm-db');
    expect(f.message).toContain('orders-db, stock-db');
  });

  it('says what exists when the application or namespace has none', () => {
    const f = failure(() => selectTargets(d, 'shop', { application: 'billing' }));
    expect(f.reason).toBe('TargetNotFound');
    expect(f.message).toMatch(/found: shop, crm|found: crm, shop/);
    const empty = failure(() => selectTargets(d, 'nothing-here', {}));
    expect(empty.message).toContain('no database workload found in namespace nothing-here');
  });

  it('fails on workloads with unresolved problems, naming them', () => {
    const broken = discovery(workload('ns', 'app', 'db', ['secret db-auth not found']));
    const f = failure(() => selectTargets(broken, 'ns', {}));
    expect(f.reason).toBe('TargetNotReady');
    expect(f.message).toBe('db: secret db-auth not found');
  });
});
