/**
 * A Workload discovered from the real API server is backed up by the engine: a
 * PostgreSQL StatefulSet whose selector-less Service is wired (EndpointSlice) to the
 * real test PostgreSQL on loopback (through an FQDN EndpointSlice), its credentials in a Secret. Discovery → runBackup
 * into a local repository → committed manifest with the table's fingerprint.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, discover, toApplication } from '../../../engine/kube/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { runBackup } from '../../../engine/runs/backup.ts';
import { loadEngineSetup } from '../../../engine/runs/engine-setup.ts';
import {
  useServer,
  type KubeServer,
  type PostgresServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { pgQuery } from '../../_support/sql.ts';
import { connect, createNamespace, createOrdersDb } from './_cluster.ts';

const suffix = randomBytes(3).toString('hex');
const NS = `lb-backup-${suffix}`;
const DB = `kube_orders_${suffix}`;

describe('backing up a discovered PostgreSQL workload', () => {
  let kube: SharedServer<KubeServer>;
  let postgres: SharedServer<PostgresServer>;
  let work = '';

  beforeAll(async () => {
    [kube, postgres] = await Promise.all([useServer('kube'), useServer('postgres')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-kube-backup-'));
    await pgQuery(postgres, postgres.database, `CREATE DATABASE ${DB}`);
    await pgQuery(
      postgres,
      DB,
      `CREATE TABLE orders (id int PRIMARY KEY, item text);
       INSERT INTO orders SELECT g, 'item-' || g FROM generate_series(1, 500) g;`,
    );
    const c = connect(kube.kubeconfig);
    await createNamespace(c, NS);
    // No selector: the database lives outside the pods (here: on loopback), reached through the
    // slice. The API server refuses loopback IPs in IPv4 slices (and Endpoints) and one-label
    // names like `localhost` in FQDN ones; `127.0.0.1` passes FQDN validation and any client
    // connects to it, so an FQDN slice carries it here (a real cluster would name a DB host).
    await createOrdersDb(c, NS, postgres, DB);
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    await pgQuery(postgres, postgres.database, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(
      () => undefined,
    );
  });

  it('discovers the workload and commits a backup of it', async () => {
    const result = await discover(createKubeClient({ kubeconfig: kube.kubeconfig }), { namespace: NS });
    const app = result.applications.find((a) => a.name === 'shop');
    if (!app) throw new Error(`application shop not discovered: ${JSON.stringify(result.skipped)}`);
    const workload = app.workloads[0]?.workload;
    expect(workload?.primary).toEqual({
      host: '127.0.0.1',
      port: postgres.port,
      role: 'primary',
      url: `postgres://127.0.0.1:${postgres.port}/${DB}`,
    });
    expect(workload?.credentials.password).toBe(postgres.password);
    expect(workload?.databases).toEqual([DB]);

    const store = new LocalStore(join(work, 'repo'));
    const key = Buffer.from(randomBytes(32).toString('base64'));
    await Repository.init(store, { key });
    const repository = await Repository.open(store, { key });
    const events: string[] = [];
    const outcome = await runBackup(
      { application: toApplication(app), options: {} },
      await loadEngineSetup(),
      repository,
      { signal: new AbortController().signal, onEvent: (e) => events.push(e.type) },
    );
    expect(outcome.result.status).toBe('succeeded');
    expect(outcome.manifest.app).toBe('shop');
    expect(outcome.manifest.members.map((m) => [m.name, m.engine])).toEqual([['orders-db', 'postgres']]);
    const fingerprint = outcome.manifest.members[0]?.fingerprint ?? {};
    const orders = Object.entries(fingerprint).find(([table]) => table.endsWith('.orders'));
    expect(orders?.[1].rows).toBe(500);
    // Committed: listed by the repository, and no secret in the manifest.
    expect((await repository.list('shop')).map((b) => b.backupId)).toEqual([outcome.manifest.backupId]);
    expect(JSON.stringify(outcome.manifest)).not.toContain(postgres.password);
  }, 300_000);
});
