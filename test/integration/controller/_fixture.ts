/**
 * What the controller tests share: a namespace on the real test API server holding a
 * PostgreSQL StatefulSet whose selector-less Service is wired (FQDN EndpointSlice) to the
 * real test PostgreSQL on loopback, credentials in a Secret; a local repository with its
 * key in a Secret and a Repository CR; helpers to create Lifeboat CRs, wait for a phase
 * and read Events.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import type { PostgresServer } from '../../../testcontainers/index.ts';
import { pgQuery } from '../../_support/sql.ts';
import {
  connect,
  createEndpointSlice,
  createNamespace,
  createSecret,
  createService,
  createStatefulSet,
} from '../kube/_cluster.ts';
import { applyCrds } from '../kube/_crds.ts';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface Cr {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown> & {
    phase?: string;
    message?: string;
    runner?: { identity: string; startedAt: string };
    conditions?: Condition[];
  };
}

/** What the fixture needs of a PostgreSQL test server (shared or private). */
export type PgServer = Pick<PostgresServer, 'host' | 'port' | 'user' | 'password' | 'database'>;

export const PLURAL = {
  Backup: 'backups',
  Restore: 'restores',
  Drill: 'drills',
  Repository: 'repositories',
} as const;
export type Kind = keyof typeof PLURAL;

export class Fixture {
  readonly kc = new KubeConfig();
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly database: string;
  readonly repoDir: string;
  readonly key = randomBytes(32).toString('base64');
  readonly postgres: PgServer;

  constructor(kubeconfig: string, postgres: PgServer, prefix: string, repoDir: string) {
    const suffix = randomBytes(3).toString('hex');
    this.kubeconfig = kubeconfig;
    this.kc.loadFromFile(kubeconfig);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.namespace = `${prefix}-${suffix}`;
    this.database = `${prefix.replaceAll('-', '_')}_${suffix}`;
    this.repoDir = repoDir;
    this.postgres = postgres;
  }

  get repoUrl(): string {
    return `file://${this.repoDir}`;
  }

  /** CRDs, namespace, database with `rows` rows, StatefulSet + Service + slice, key Secret, Repository CR `repo`. */
  async setUp(rows = 500): Promise<void> {
    await applyCrds(this.kubeconfig);
    await this.sql(this.postgres.database, `CREATE DATABASE ${this.database}`);
    await this.sql(
      this.database,
      `CREATE TABLE orders (id int PRIMARY KEY, item text);
       INSERT INTO orders SELECT g, 'item-' || g FROM generate_series(1, ${rows}) g;`,
    );
    const c = connect(this.kubeconfig);
    await createNamespace(c, this.namespace);
    await createSecret(c, this.namespace, 'orders-auth', {
      username: this.postgres.user,
      password: this.postgres.password,
    });
    await createStatefulSet(c, this.namespace, {
      name: 'orders-db',
      image: 'postgres:15',
      port: 5432,
      annotations: { 'lifeboat.dev/credentials': 'orders-auth', 'lifeboat.dev/databases': this.database },
      labels: { 'app.kubernetes.io/part-of': 'shop' },
    });
    await createService(c, this.namespace, 'orders-db', undefined, 5432);
    await createEndpointSlice(c, this.namespace, 'orders-db', '127.0.0.1', this.postgres.port, 'FQDN');
    await createSecret(c, this.namespace, 'repo-key', { key: this.key });
    await this.create('Repository', 'repo', {
      url: this.repoUrl,
      encryptionKeySecret: { name: 'repo-key' },
    });
  }

  async tearDown(): Promise<void> {
    await this.sql(this.postgres.database, `DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`).catch(
      () => undefined,
    );
    // No namespace controller here: objects stay until the server stops (names are unique).
  }

  sql(database: string, text: string): Promise<Record<string, unknown>[]> {
    return pgQuery(this.postgres, database, text);
  }

  async create(kind: Kind, name: string, spec: Record<string, unknown>): Promise<Cr> {
    return (await this.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural: PLURAL[kind],
      body: { apiVersion: API_VERSION, kind, metadata: { name }, spec },
    })) as Cr;
  }

  async get(kind: Kind, name: string): Promise<Cr> {
    return (await this.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural: PLURAL[kind],
      name,
    })) as Cr;
  }

  /** Polls until `done(cr)` holds; returns the object. */
  async waitFor(kind: Kind, name: string, done: (cr: Cr) => boolean, timeoutMs = 120_000): Promise<Cr> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cr = await this.get(kind, name);
      if (done(cr)) return cr;
      if (Date.now() > deadline)
        throw new Error(
          `${kind} ${name}: condition not met in ${timeoutMs} ms; status ${JSON.stringify(cr.status)}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits for a terminal phase (Succeeded/Failed). */
  finished(kind: Kind, name: string, timeoutMs?: number): Promise<Cr> {
    return this.waitFor(
      kind,
      name,
      (cr) => ['Succeeded', 'Failed'].includes(cr.status?.phase ?? ''),
      timeoutMs,
    );
  }

  /** Events about object `name` of `kind` in the fixture's namespace. */
  async events(kind: string, name: string): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({
      namespace: this.namespace,
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    });
    return list.items;
  }

  /** Event reasons on the object, once `reason` is among them (Events are written after the status). */
  async eventReasons(kind: string, name: string, reason: string, timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reasons = (await this.events(kind, name)).map((e) => e.reason ?? '');
      if (reasons.includes(reason) || Date.now() > deadline) return reasons;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async openRepository(key = this.key): Promise<Repository> {
    return Repository.open(new LocalStore(this.repoDir), { key: Buffer.from(key) });
  }
}

export const conditionOf = (cr: Cr, type: string): Condition | undefined =>
  cr.status?.conditions?.find((c) => c.type === type);
