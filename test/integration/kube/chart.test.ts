/**
 * charts/lifeboat: `helm lint` and `helm template` with the real helm binary, the rendered
 * manifests checked for what the chart promises (non-root, read-only root, probes, flags,
 * least-privilege RBAC), then every rendered object created on the real API server with
 * strict field validation (a typo in a template is refused there).
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';
import { applyCrds } from './_crds.ts';
import { CHART, helm, renderChart } from './_helm.ts';
import { RawKube, statusMessage, type KubeObject } from './_raw.ts';

const suffix = randomBytes(3).toString('hex');
const NS = `lb-chart-${suffix}`;
const RELEASE = `lb${suffix}`;

interface Container {
  args: string[];
  command?: string[];
  image: string;
  env: { name: string; value?: string }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: Record<string, unknown> }[];
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const find = (objects: KubeObject[], kind: string, name?: string): KubeObject => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found)
    throw new Error(
      `no ${kind} ${name ?? ''} rendered; got ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
};
const podSpec = (objects: KubeObject[]) =>
  (find(objects, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;
const controllerContainer = (objects: KubeObject[]): Container => {
  const [container] = podSpec(objects).containers;
  if (!container) throw new Error('the Deployment has no container');
  return container;
};
const rules = (o: KubeObject) => o.rules as Rule[];
/** Every (group, resource, verb) a set of rules grants, as `group/resource:verb`. */
const grants = (rs: Rule[]) =>
  new Set(
    rs.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
    ),
  );

describe('helm chart charts/lifeboat', () => {
  it('passes helm lint --strict, with defaults and with every option on', async () => {
    await helm(['lint', '--strict', CHART]);
    await helm([
      'lint',
      '--strict',
      CHART,
      '--set',
      'metrics.serviceMonitor.enabled=true,rbac.volumeSnapshots=true,rbac.podExec=true,controller.watchNamespaces={a,b}',
    ]);
  });

  it('renders a hardened controller Deployment running `lifeboat controller` with the contract flags', async () => {
    const objects = await renderChart('lifeboat', 'lifeboat-system');
    const pod = podSpec(objects);
    const c = controllerContainer(objects);
    const chart = parse(await readFile(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    expect(c.image).toBe(`ghcr.io/lifeboat-dev/lifeboat:${chart.appVersion}`);
    expect(c.command).toEqual(['lifeboat']);
    expect(c.args).toEqual([
      'controller',
      '--all-namespaces',
      '--metrics-port=9464',
      '--leader-election-namespace=lifeboat-system',
      '--identity=$(POD_NAME)',
    ]);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(Object.keys(c.resources.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(c.resources.limits ?? {})).toContain('memory');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
    // the index cache on a writable volume of its own
    expect(c.volumeMounts).toContainEqual({ name: 'index-cache', mountPath: '/var/cache/lifeboat' });
    expect(pod.volumes).toContainEqual({ name: 'index-cache', emptyDir: { sizeLimit: '2Gi' } });
    expect(c.env.find((e) => e.name === 'LIFEBOAT_CACHE_DIR')?.value).toBe('/var/cache/lifeboat');
    expect(c.env.find((e) => e.name === 'LIFEBOAT_IMAGE')?.value).toBe(c.image);
    expect(pod.serviceAccountName).toBe(find(objects, 'ServiceAccount').metadata.name);

    const service = find(objects, 'Service');
    expect((service.spec as { ports: unknown[] }).ports).toEqual([
      { name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
  });

  it('passes watched namespaces, cluster name and extra flags; renders the ServiceMonitor only when asked', async () => {
    const objects = await renderChart('lifeboat', 'ops', {
      set: [
        'controller.watchNamespaces={shop,billing}',
        'controller.clusterName=eu-1',
        'metrics.port=9500',
        'metrics.serviceMonitor.enabled=true',
        'metrics.serviceMonitor.labels.release=prom',
      ],
    });
    expect(controllerContainer(objects).args).toEqual([
      'controller',
      '--namespace=shop',
      '--namespace=billing',
      '--cluster-name=eu-1',
      '--metrics-port=9500',
      '--leader-election-namespace=ops',
      '--identity=$(POD_NAME)',
    ]);
    const monitor = find(objects, 'ServiceMonitor');
    const service = find(objects, 'Service');
    const selector = (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector
      .matchLabels;
    expect(service.metadata.labels).toMatchObject(selector);
    expect(monitor.metadata.labels).toMatchObject({ release: 'prom' });
    expect((monitor.spec as { endpoints: unknown[] }).endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
    ]);
  });

  it('grants the controller least privilege: no wildcard, Secrets by name only, Leases only in its namespace', async () => {
    const objects = await renderChart('lifeboat', 'lifeboat-system');
    const controller = rules(find(objects, 'ClusterRole', 'lifeboat-controller'));
    for (const r of controller) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
    }
    const g = grants(controller);
    expect(g.has('/secrets:get')).toBe(true);
    for (const v of ['list', 'watch', 'create', 'update', 'patch', 'delete'])
      expect(g.has(`/secrets:${v}`)).toBe(false);
    expect([...g].some((x) => x.startsWith('/pods/exec:'))).toBe(false);
    expect([...g].some((x) => x.startsWith('snapshot.storage.k8s.io/'))).toBe(false);
    expect([...g].some((x) => x.startsWith('coordination.k8s.io/'))).toBe(false);
    expect(grants(rules(find(objects, 'Role')))).toEqual(
      new Set([
        'coordination.k8s.io/leases:get',
        'coordination.k8s.io/leases:create',
        'coordination.k8s.io/leases:update',
      ]),
    );
    const withOptions = await renderChart('lifeboat', 'lifeboat-system', {
      set: ['rbac.volumeSnapshots=true', 'rbac.podExec=true'],
    });
    const optional = grants(rules(find(withOptions, 'ClusterRole', 'lifeboat-controller')));
    expect(optional.has('snapshot.storage.k8s.io/volumesnapshots:create')).toBe(true);
    // freeze-snapshot: the snapshot's handle, the PVC's CSI driver, restore PVCs; never PV writes.
    for (const grant of [
      'snapshot.storage.k8s.io/volumesnapshots:delete',
      'snapshot.storage.k8s.io/volumesnapshotcontents:get',
      'snapshot.storage.k8s.io/volumesnapshotcontents:create',
      '/persistentvolumes:get',
      '/persistentvolumeclaims:create',
    ])
      expect(
        optional.has(grant) && grants(rules(find(withOptions, 'ClusterRole', 'lifeboat-runner'))).has(grant),
      ).toBe(true);
    expect([...optional].some((x) => /^\/persistentvolumes:(create|update|patch|delete)$/.test(x))).toBe(
      false,
    );
    expect(g.has('/persistentvolumeclaims:create') || g.has('/persistentvolumes:get')).toBe(false);
    // WebSocket exec (client-node, kubectl ≥ 1.30) is a GET; SPDY a POST; 1.35+ checks both.
    expect(optional.has('/pods/exec:create') && optional.has('/pods/exec:get')).toBe(true);
    const optionalRunner = grants(rules(find(withOptions, 'ClusterRole', 'lifeboat-runner')));
    expect(optionalRunner.has('/pods/exec:create') && optionalRunner.has('/pods/exec:get')).toBe(true);

    const runner = grants(rules(find(objects, 'ClusterRole', 'lifeboat-runner')));
    expect(runner.has('/secrets:get')).toBe(true);
    expect([...runner].some((x) => x.startsWith('/pods/exec:'))).toBe(false);
    expect(runner.has('/secrets:list')).toBe(false);
    expect(runner.has('lifeboat.dev/backups/status:patch')).toBe(true);
    for (const write of ['create', 'update', 'patch', 'delete'])
      expect(
        [...runner].some((x) => x.startsWith('lifeboat.dev/repositories') && x.endsWith(`:${write}`)),
      ).toBe(false);
    // Bound only by RoleBindings in the Job namespaces the chart is given.
    expect(objects.some((o) => o.kind === 'RoleBinding' && o.metadata.name === 'lifeboat-runner')).toBe(
      false,
    );
    const withJobs = await renderChart('lifeboat', 'lifeboat-system', { set: ['jobs.namespaces={shop}'] });
    const runnerBinding = find(withJobs, 'RoleBinding', 'lifeboat-runner');
    expect(runnerBinding.metadata.namespace).toBe('shop');
    expect(runnerBinding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'lifeboat-runner', namespace: 'shop' },
    ]);
    expect(withJobs.some((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name.includes('runner'))).toBe(
      false,
    );

    const operator = grants(rules(find(objects, 'ClusterRole', 'lifeboat-operator')));
    const viewer = grants(rules(find(objects, 'ClusterRole', 'lifeboat-viewer')));
    for (const g2 of [operator, viewer])
      expect([...g2].every((x) => x.startsWith('lifeboat.dev/'))).toBe(true);
    expect(operator.has('lifeboat.dev/backups:create')).toBe(true);
    expect(operator.has('lifeboat.dev/repositories:create')).toBe(false);
    expect([...viewer].every((x) => /:(get|list|watch)$/.test(x))).toBe(true);
  });

  it('ships the generated CRDs (helm template --include-crds)', async () => {
    const objects = await renderChart('lifeboat', 'lifeboat-system', { includeCrds: true });
    const crds = objects
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((o) => `${o.metadata.name}.yaml`);
    const generated = (await readdir(join(CHART, 'crds'))).filter((f) => f.endsWith('.yaml'));
    expect(crds.sort()).toEqual(generated.sort());
  });

  describe('on a real API server', () => {
    let kube: RawKube;
    let kubeconfig: string;
    beforeAll(async () => {
      kubeconfig = (await useServer('kube')).kubeconfig;
      kube = new RawKube(kubeconfig);
    });

    it('creates every rendered object (CRDs first) with strict field validation', async () => {
      const objects = await renderChart(RELEASE, NS, {
        includeCrds: true,
        set: [
          'rbac.volumeSnapshots=true',
          'rbac.podExec=true',
          'controller.clusterName=test',
          `jobs.namespaces={${NS}}`,
        ],
      });
      const ns = await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      expect(ns.status, statusMessage(ns)).toBe(201);
      const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
      expect(crds).toHaveLength(6);
      // The chart's copies, installed (or found already installed) and Established.
      await applyCrds(kubeconfig, crds);

      const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
      expect(rest.map((o) => o.kind).sort()).toEqual(
        [
          'ClusterRole',
          'ClusterRole',
          'ClusterRole',
          'ClusterRole',
          'ClusterRoleBinding',
          'Deployment',
          'Role',
          'RoleBinding',
          'RoleBinding',
          'Service',
          'ServiceAccount',
          'ServiceAccount',
        ].sort(),
      );
      for (const object of rest) {
        // lifeboat-operator/-viewer have fixed names shared by every release on the server.
        const shared = object.metadata.name.startsWith('lifeboat-');
        const res = shared ? await kube.apply(object) : await kube.create(object, '?fieldValidation=Strict');
        expect(res.status, `${object.kind}/${object.metadata.name}: ${statusMessage(res)}`).toBeLessThan(300);
      }
      const deployment = await kube.get('apps/v1', 'Deployment', `${RELEASE}-lifeboat`, NS);
      expect(deployment.status).toBe(200);
      const stored = (deployment.body as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
      expect(stored.containers[0]?.args).toContain('--cluster-name=test');
      expect(stored.containers[0]?.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
    });
  });
});
