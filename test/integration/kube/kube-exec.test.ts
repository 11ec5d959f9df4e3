/**
 * `kubeExec` through a real API server to a real kubelet API: a private kube-apiserver
 * (testcontainers/kube.ts) and the test node agent (testcontainers/node-agent/, on
 * virtual-kubelet), where a database pod's container is a working directory and exec runs
 * a local process there. The command path is client → kube-apiserver (`pods/exec`, RBAC)
 * → kubelet API (mutual TLS) → process.
 * - a blueprint whose phases all run in the pod backs up a real PostgreSQL database
 *   (`pg_dump` streamed into the repository), restores it into another (`pg_restore` fed
 *   from the repository) and verifies: fingerprints equal;
 * - the pod found from the workload (its StatefulSet pod name, else the owner's selector);
 * - a failing command: a typed error with the exit code, the pod, the container and the
 *   stderr tail, without the password;
 * - an identity without `pods/exec` is refused with a clear error; the chart's controller
 *   role with `rbac.podExec=true` is enough.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.ts';
import { loadBlueprintText } from '../../../engine/blueprint/index.ts';
import { CancelledError } from '../../../engine/errors.ts';
import { captureSummary, execute } from '../../../engine/executor/index.ts';
import {
  createHandleBag,
  createRegistry,
  GENERIC_FUNCTIONS,
  type FunctionContext,
} from '../../../engine/functions/index.ts';
import { makeKubeExecFunction } from '../../../engine/functions/kube-exec.ts';
import { PodExecError } from '../../../engine/kube/pod-exec.ts';
import type { Fingerprint, Workload } from '../../../engine/model/index.ts';
import { plan, type PlanOptions, type RecordedMember } from '../../../engine/planner/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import {
  startKube,
  startNodeAgent,
  useServer,
  type KubeServer,
  type NodeAgent,
  type PostgresServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { pgQuery } from '../../_support/sql.ts';
import { renderChart } from './_helm.ts';
import { impersonatingKubeConfig, RawKube, statusMessage, type KubeObject } from './_raw.ts';

const postgresAdapter = (() => {
  const adapter = adapters.get('postgres');
  if (!adapter) throw new Error('no postgres adapter');
  return adapter;
})();
const suffix = randomBytes(3).toString('hex');
const NS = `kx-${suffix}`;
const SRC = `kx_src_${suffix}`;
const DST = `kx_dst_${suffix}`;

const BLUEPRINT = `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: pg-in-pod }
spec:
  engine: postgres
  description: every command runs in the database pod (kubeExec)
  actions:
    backup:
      phases:
        - name: dump
          func: kubeExec
          args:
            command: [pg_dump, --format=custom, --dbname, '\${{ workload.databases[0] }}']
            credentialsEnv: &auth { PGPASSWORD: password }
            stdoutTo: db.dump
        - name: digest
          func: kubeExec
          args: &digest
            command:
              - psql
              - -X
              - -At
              - --dbname
              - '\${{ workload.databases[0] }}'
              - -c
              - "SELECT count(*) || E'\\\\n' || md5(string_agg(i::text, ',' ORDER BY id)) FROM items i"
            credentialsEnv: *auth
        - name: record
          func: makeFingerprint
          args: &record
            tables:
              items:
                rows: '\${{ lines(phases.digest.output.stdout)[0] }}'
                content: '\${{ lines(phases.digest.output.stdout)[1] }}'
    restore:
      phases:
        - name: load
          func: kubeExec
          args:
            command: [pg_restore, --no-owner, --exit-on-error, --dbname, '\${{ workload.databases[0] }}']
            credentialsEnv: *auth
            stdinFrom: db.dump
    verify:
      phases:
        - { name: digest, func: kubeExec, args: *digest }
        - { name: record, func: makeFingerprint, args: *record }
        - name: compare
          func: compareFingerprints
          args:
            expected: '\${{ backup.fingerprint }}'
            actual: '\${{ phases.record.output.fingerprint }}'
`;

describe('kubeExec: commands in the database pod through pods/exec', () => {
  let kube: KubeServer;
  let agent: NodeAgent;
  let pg: SharedServer<PostgresServer>;
  let admin: RawKube;
  let kc: KubeConfig;
  let repoDir = '';
  let repo: Repository;
  const started: { stop(): Promise<void> }[] = [];

  const workload = (databases: string[]): Workload => ({
    name: 'orders',
    engine: 'postgres',
    primary: {
      host: `pg-0.pg.${NS}.svc`,
      port: pg.port,
      role: 'primary',
      url: `postgres://${pg.user}@pg-0.pg.${NS}.svc:${pg.port}/postgres`,
    },
    replicas: [],
    databases,
    credentials: { username: pg.user, password: pg.password },
    owner: { kind: 'StatefulSet', name: 'pg', namespace: NS },
    namespace: NS,
    annotations: {},
    pvcs: [],
    source: 'kubernetes',
  });

  const mustApply = async (object: KubeObject): Promise<void> => {
    const res = await admin.apply(object);
    expect(res.status, `${object.kind}/${object.metadata.name}: ${statusMessage(res)}`).toBeLessThan(300);
  };

  const context = (config: () => KubeConfig, signal = new AbortController().signal) => {
    const fn = makeKubeExecFunction(config);
    const ctx: FunctionContext = {
      workload: workload([SRC]),
      artifacts: {
        sink: () => Promise.reject(new Error('no sink here')),
        source: () => Promise.reject(new Error('no source here')),
      },
      signal,
      progress: { bytes: () => undefined, rows: () => undefined, estimate: () => undefined },
      handles: createHandleBag(),
      where: { app: 'orders-app', phase: 'probe', action: 'backup', blueprint: 'test' },
    };
    return { fn, ctx };
  };

  beforeAll(async () => {
    [kube, pg] = await Promise.all([startKube({ name: 'kube-exec' }), useServer('postgres')]);
    started.push(kube);
    agent = await startNodeAgent(kube);
    started.push(agent);
    admin = new RawKube(kube.kubeconfig);
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);

    await pgQuery(pg, 'postgres', `CREATE DATABASE ${SRC}`);
    await pgQuery(pg, 'postgres', `CREATE DATABASE ${DST}`);
    await pgQuery(
      pg,
      SRC,
      `CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(12,2), note text);
       INSERT INTO items SELECT g, 'item ' || g, g * 1.25, repeat(md5(g::text), 1 + g % 20)
       FROM generate_series(1, 20000) g;`,
    );

    // The database's pod, bound to the agent's node: its container sees the real test
    // PostgreSQL on 127.0.0.1 and has its client tools on PATH, as the image would.
    await mustApply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await mustApply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'pg', namespace: NS },
      spec: {
        serviceName: 'pg',
        selector: { matchLabels: { app: 'pg' } },
        template: {
          metadata: { labels: { app: 'pg' } },
          spec: { containers: [{ name: 'postgres', image: 'postgres:15' }] },
        },
      },
    });
    const env = [
      { name: 'PATH', value: `${pg.binDir}:/usr/local/bin:/usr/bin:/bin` },
      { name: 'PGHOST', value: '127.0.0.1' },
      { name: 'PGPORT', value: String(pg.port) },
      { name: 'PGUSER', value: pg.user },
    ];
    await mustApply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pg-0', namespace: NS, labels: { app: 'pg' } },
      spec: {
        nodeName: agent.nodeName,
        containers: [
          { name: 'postgres', image: 'postgres:15', env },
          { name: 'metrics', image: 'prometheuscommunity/postgres-exporter', env },
        ],
      },
    });
    const core = kc.makeApiClient(CoreV1Api);
    const deadline = Date.now() + 60_000;
    let pod: V1Pod | undefined;
    while (Date.now() < deadline) {
      pod = await core.readNamespacedPod({ namespace: NS, name: 'pg-0' });
      if (pod.status?.phase === 'Running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(pod?.status?.phase, 'the node agent reports the pod Running').toBe('Running');
    expect(pod?.status?.podIP).toBe('127.0.0.1');

    repoDir = await mkdtemp(join(tmpdir(), 'lifeboat-kube-exec-repo-'));
    const store = new LocalStore(repoDir);
    await Repository.init(store);
    repo = await Repository.open(store);
  }, 300_000);

  afterAll(async () => {
    for (const server of started.reverse()) await server.stop();
    await pgQuery(pg, 'postgres', `DROP DATABASE IF EXISTS ${SRC}`).catch(() => undefined);
    await pgQuery(pg, 'postgres', `DROP DATABASE IF EXISTS ${DST}`).catch(() => undefined);
    await rm(repoDir, { recursive: true, force: true });
  });

  it('backs up with pg_dump in the pod, restores with pg_restore in the pod: fingerprints equal', async () => {
    // The registry's kubeExec loads the default kubeconfig; this one uses the test cluster's.
    const registry = createRegistry([
      ...GENERIC_FUNCTIONS.filter((f) => f.name !== 'kubeExec'),
      makeKubeExecFunction(() => kc),
    ]);
    const blueprint = loadBlueprintText(BLUEPRINT, 'pg-in-pod.yaml', registry);
    const run = (
      databases: string[],
      options: PlanOptions,
      backup: { id: string; members?: Record<string, RecordedMember> },
      artifacts: Parameters<typeof execute>[1]['artifacts'],
    ) =>
      execute(
        plan({
          application: { name: 'orders-app', namespace: NS, workloads: [workload(databases)] },
          blueprintsByEngine: { postgres: blueprint },
          capabilitiesByEngine: { postgres: postgresAdapter.capabilities },
          registry,
          backup: {
            id: backup.id,
            startedAt: new Date().toISOString(),
            ...(backup.members && { members: backup.members }),
          },
          options,
        }),
        { registry, ...(artifacts && { artifacts }) },
      );

    const writer = await repo.startBackup({ app: 'orders-app' });
    const backup = await run([SRC], {}, { id: writer.backupId }, { sink: () => writer.member('orders') });
    const [member] = backup.members;
    if (!member) throw new Error('no member result');
    expect([member.status, member.error?.message]).toEqual(['succeeded', undefined]);
    const summary = captureSummary(member);
    const fingerprint = summary.fingerprint as Fingerprint;
    expect(fingerprint.items?.rows).toBe(20000);
    expect(member.outputs.dump?.pod).toBe('pg-0');
    expect(member.outputs.dump?.container).toBe('postgres');
    expect(member.outputs.dump?.bytes as number).toBeGreaterThan(100_000);
    const manifest = await writer.commit({
      members: [{ name: 'orders', engine: 'postgres', markers: [], details: summary.details, fingerprint }],
    });

    const recorded = { orders: { strategy: 'logical' as const, fingerprint } };
    const restore = await run(
      [DST],
      { action: 'restore' },
      { id: manifest.backupId, members: recorded },
      { source: () => repo.source(manifest.backupId, 'orders') },
    );
    expect(restore.members.map((m) => [m.status, m.error?.message])).toEqual([['succeeded', undefined]]);
    const verify = await run(
      [DST],
      { action: 'verify' },
      { id: manifest.backupId, members: recorded },
      undefined,
    );
    expect(verify.members.map((m) => [m.status, m.error?.message])).toEqual([['succeeded', undefined]]);

    const digest = "SELECT count(*)::int AS n, md5(string_agg(i::text, ',' ORDER BY id)) AS h FROM items i";
    expect(await pgQuery(pg, DST, digest)).toEqual(await pgQuery(pg, SRC, digest));
  });

  it('a failing command: PodExecError with the exit code, pod, container and stderr, no password', async () => {
    const { fn, ctx } = context(() => kc);
    const error = await fn
      .exec(
        {
          command: ['sh', '-c', 'echo "no table here; password is $PGPASSWORD" >&2; exit 3'],
          credentialsEnv: { PGPASSWORD: 'password' },
        },
        ctx,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodExecError);
    const e = error as PodExecError;
    expect(e.exitCode).toBe(3);
    expect([e.namespace, e.pod, e.container]).toEqual([NS, 'pg-0', 'postgres']);
    expect(e.message).toContain(`exec in ${NS}/pg-0 (container postgres): sh -c`);
    expect(e.message).toContain('exited 3');
    expect(e.message).toContain('no table here; password is ***');
    expect(e.message).not.toContain(pg.password);
    expect(e.message).not.toContain('lifeboat-exec-pid');

    // The environment reached the command (by stdin), the container is chosen by name,
    // and stdout comes back when it is not stored.
    const ok = await fn.exec(
      {
        command: ['sh', '-c', 'echo "$PGUSER:${#PGPASSWORD}:$(pwd)"'],
        credentialsEnv: { PGPASSWORD: 'password' },
        container: 'metrics',
      },
      ctx,
    );
    expect(ok.stdout).toBe(
      `${pg.user}:${pg.password.length}:${join(agent.workDir, NS, 'pg-0', 'metrics')}\n`,
    );
  });

  it("finds the pod through the owner's selector when the primary is a Service; names a missing container", async () => {
    const { fn, ctx } = context(() => kc);
    const viaService: FunctionContext = {
      ...ctx,
      workload: { ...ctx.workload, primary: { ...ctx.workload.primary, host: `pg.${NS}.svc` } },
    };
    const ok = await fn.exec({ command: ['true'] }, viaService);
    expect([ok.pod, ok.container]).toEqual(['pg-0', 'postgres']);
    await expect(fn.exec({ command: ['true'], container: 'nope' }, ctx)).rejects.toThrow(
      `kubeExec: pod ${NS}/pg-0 has no container nope; it has: postgres, metrics`,
    );
  });

  it('cancellation closes the stream and stops the command', async () => {
    const controller = new AbortController();
    const { fn, ctx } = context(() => kc, controller.signal);
    const started = Date.now();
    setTimeout(() => {
      controller.abort(new Error('phase timeout'));
    }, 1_500);
    // A duration no other process uses, to find this command among the node's processes.
    const marker = `61.${suffix.replace(/\D/g, '') || '7'}`;
    const error = await fn.exec({ command: ['sleep', marker] }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toMatch(/was cancelled; stopped process \d+ in the container/);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Closing the stream alone leaves the command running (as kubelets do): a second exec
    // killed it.
    const running = async () =>
      (await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false })).exitCode === 0;
    const deadline = Date.now() + 15_000;
    while ((await running()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await running()).toBe(false);
  });

  it('RBAC: an identity without pods/exec is refused clearly; the chart role with rbac.podExec=true suffices', async () => {
    const objects = await renderChart('lifeboat', 'lifeboat-system', { set: ['rbac.podExec=true'] });
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'lifeboat-controller');
    const without = await renderChart('lifeboat', 'lifeboat-system');
    const roleWithout = without.find(
      (o) => o.kind === 'ClusterRole' && o.metadata.name === 'lifeboat-controller',
    );
    if (!role || !roleWithout) throw new Error('the chart renders no lifeboat-controller ClusterRole');
    await mustApply({ ...roleWithout, metadata: { name: `lifeboat-no-exec-${suffix}` } });
    await mustApply({ ...role, metadata: { name: `lifeboat-exec-${suffix}` } });
    const bind = async (user: string, roleName: string): Promise<void> => {
      await mustApply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${roleName}-${user.split(':').pop() ?? ''}`, namespace: NS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects: [{ kind: 'ServiceAccount', name: user.split(':').pop() ?? '', namespace: NS }],
      });
    };
    const plain = `system:serviceaccount:${NS}:plain`;
    const execer = `system:serviceaccount:${NS}:execer`;
    await bind(plain, `lifeboat-no-exec-${suffix}`);
    await bind(execer, `lifeboat-exec-${suffix}`);

    const refused = context(() => impersonatingKubeConfig(kc, plain));
    const error = await refused.fn.exec({ command: ['true'] }, refused.ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodExecError);
    expect((error as PodExecError).httpStatus).toBe(403);
    expect((error as Error).message).toContain(`exec in ${NS}/pg-0 (container postgres): true`);
    expect((error as Error).message).toContain('403 Forbidden');
    expect((error as Error).message).toContain('rbac.podExec=true');

    const allowed = context(() => impersonatingKubeConfig(kc, execer));
    const ok = await allowed.fn.exec({ command: ['echo', 'in the pod'] }, allowed.ctx);
    expect(ok.stdout).toBe('in the pod\n');
  });
});
