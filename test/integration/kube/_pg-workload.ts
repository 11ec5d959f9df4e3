/**
 * A Lifeboat-ready namespace on the test API server: a PostgreSQL StatefulSet whose
 * selector-less Service reaches the real test PostgreSQL on loopback (FQDN EndpointSlice),
 * its credentials in a Secret, and an encrypted local Repository CR (initialised).
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { join } from 'node:path';
import { API_VERSION } from '../../../engine/kube/api/v1alpha1/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import type { PostgresServer, SharedServer } from '../../../testcontainers/index.ts';
import { pgQuery } from '../../_support/sql.ts';
import {
  createEndpointSlice,
  createNamespace,
  createSecret,
  createService,
  createStatefulSet,
  type Cluster,
} from './_cluster.ts';

/** Creates Lifeboat custom objects (`plural` of lifeboat.dev/v1alpha1). */
export function createCr(
  custom: CustomObjectsApi,
  namespace: string,
  plural: string,
  kind: string,
  name: string,
  spec: unknown,
): Promise<unknown> {
  return custom.createNamespacedCustomObject({
    group: 'lifeboat.dev',
    version: 'v1alpha1',
    namespace,
    plural,
    body: { apiVersion: API_VERSION, kind, metadata: { name }, spec },
  });
}

/** Namespace + `pg-auth` and `repo-key` Secrets + Repository `main` at `dir` (initialised with `key`). */
export async function lifeboatNamespace(
  cluster: Cluster,
  custom: CustomObjectsApi,
  postgres: SharedServer<PostgresServer>,
  namespace: string,
  dir: string,
  key: string,
): Promise<void> {
  await createNamespace(cluster, namespace);
  await createSecret(cluster, namespace, 'pg-auth', { username: postgres.user, password: postgres.password });
  await createSecret(cluster, namespace, 'repo-key', { key });
  await Repository.init(new LocalStore(dir), { key: Buffer.from(key) });
  await createCr(custom, namespace, 'repositories', 'Repository', 'main', {
    url: `file://${dir}`,
    encryptionKeySecret: { name: 'repo-key' },
  });
}

/** A database `db` (200 rows in `items`) served by StatefulSet `workload` of application `app`. */
export async function pgWorkload(
  cluster: Cluster,
  postgres: SharedServer<PostgresServer>,
  namespace: string,
  workload: string,
  db: string,
  app: string,
): Promise<void> {
  await pgQuery(postgres, postgres.database, `CREATE DATABASE ${db}`);
  await pgQuery(
    postgres,
    db,
    `CREATE TABLE items (id int PRIMARY KEY, v text);
     INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 200) g;`,
  );
  await createStatefulSet(cluster, namespace, {
    name: workload,
    image: 'postgres:15',
    port: 5432,
    annotations: { 'lifeboat.dev/credentials': 'pg-auth', 'lifeboat.dev/databases': db },
    labels: { 'app.kubernetes.io/part-of': app },
  });
  await createService(cluster, namespace, workload, undefined, 5432);
  await createEndpointSlice(cluster, namespace, workload, '127.0.0.1', postgres.port, 'FQDN');
}

export const repositoryDir = (work: string, namespace: string): string => join(work, namespace);
