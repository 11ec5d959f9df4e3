/**
 * One real round trip per server, as `servers:check` and the server tests run them:
 * write, then read back (on replicas, read back what was written on the primary); on
 * S3, a locked version whose deletion must be refused; on Kubernetes, a namespace and a
 * CRD created and listed. Each throws an Error saying what did not hold.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import cassandra from 'cassandra-driver';
import { MongoClient } from 'mongodb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { SharedServer } from './types.ts';
import type { CassandraServer } from './cassandra.ts';
import type { FerretdbServer } from './ferretdb.ts';
import type { KubeServer } from './kube.ts';
import type { MariadbServer } from './mariadb.ts';
import type { PostgresServer } from './postgres.ts';
import { s3Client, type S3Server } from './s3.ts';

type Shared<
  T extends PostgresServer | MariadbServer | FerretdbServer | CassandraServer | S3Server | KubeServer,
> = T | SharedServer<T>;

const marker = (): string => `m${randomBytes(8).toString('hex')}`;

/** Retries `read` until it returns `expected` or `timeoutMs` passes (replication lag). */
async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  expected: T,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await read();
      if (JSON.stringify(last) === JSON.stringify(expected)) return;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() >= deadline) break;
    await sleep(100);
  }
  throw new Error(`${what}: expected ${JSON.stringify(expected)}, last saw ${JSON.stringify(last)}`);
}

async function pgQuery(url: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const rows: unknown[] = (await client.query(sql, params)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** Writes a marker row on `primary`; reads it back there and, if given, on `standby`. */
export async function postgresRoundTrip(
  primary: Shared<PostgresServer>,
  standby?: Shared<PostgresServer>,
): Promise<void> {
  const m = marker();
  await pgQuery(primary.url, 'CREATE TABLE IF NOT EXISTS lifeboat_round_trip (marker text PRIMARY KEY)');
  await pgQuery(primary.url, 'INSERT INTO lifeboat_round_trip VALUES ($1)', [m]);
  const sql = 'SELECT marker FROM lifeboat_round_trip WHERE marker = $1';
  await eventually('primary read-back', () => pgQuery(primary.url, sql, [m]), [{ marker: m }], 0);
  if (standby) {
    const [row] = (await pgQuery(standby.url, 'SELECT pg_is_in_recovery() AS r')) as { r: boolean }[];
    if (row?.r !== true) throw new Error('standby is not in recovery');
    await eventually('standby read-back', () => pgQuery(standby.url, sql, [m]), [{ marker: m }]);
  }
}

async function myQuery(url: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const c = await mysql.createConnection(url);
  try {
    const [rows] = await c.query(sql, params);
    // Statements other than SELECT answer with a result header, not rows.
    return Array.isArray(rows) ? rows.map((r) => ({ ...(r as object) })) : [];
  } finally {
    await c.end();
  }
}

/** Writes a marker row on `primary`; reads it back there and, if given, on `replica`. */
export async function mariadbRoundTrip(
  primary: Shared<MariadbServer>,
  replica?: Shared<MariadbServer>,
): Promise<void> {
  const m = marker();
  await myQuery(primary.url, 'CREATE DATABASE IF NOT EXISTS lifeboat_round_trip');
  await myQuery(
    primary.url,
    'CREATE TABLE IF NOT EXISTS lifeboat_round_trip.t (marker varchar(64) PRIMARY KEY)',
  );
  await myQuery(primary.url, 'INSERT INTO lifeboat_round_trip.t VALUES (?)', [m]);
  const sql = 'SELECT marker FROM lifeboat_round_trip.t WHERE marker = ?';
  await eventually('primary read-back', () => myQuery(primary.url, sql, [m]), [{ marker: m }], 0);
  if (replica) await eventually('replica read-back', () => myQuery(replica.url, sql, [m]), [{ marker: m }]);
}

/** Inserts a document and finds it again over the MongoDB wire protocol. */
export async function ferretdbRoundTrip(server: Shared<FerretdbServer>): Promise<void> {
  const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 });
  try {
    const coll = client.db('lifeboat_round_trip').collection<{ _id: string; n: number }>('t');
    const m = marker();
    await coll.insertOne({ _id: m, n: 42 });
    const found = await coll.findOne({ _id: m });
    if (found?.n !== 42) throw new Error(`read back ${JSON.stringify(found)}`);
  } finally {
    await client.close();
  }
}

/** Creates a keyspace and table, writes a row and reads it back. */
export async function cassandraRoundTrip(server: Shared<CassandraServer>): Promise<void> {
  const client = new cassandra.Client({
    contactPoints: [`${server.host}:${server.port}`],
    localDataCenter: server.localDataCenter,
    credentials: { username: server.user, password: server.password },
  });
  try {
    await client.connect();
    await client.execute(
      "CREATE KEYSPACE IF NOT EXISTS lifeboat_round_trip WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    );
    await client.execute('CREATE TABLE IF NOT EXISTS lifeboat_round_trip.t (marker text PRIMARY KEY, n int)');
    const m = marker();
    await client.execute('INSERT INTO lifeboat_round_trip.t (marker, n) VALUES (?, ?)', [m, 42], {
      prepare: true,
    });
    const rs = await client.execute('SELECT n FROM lifeboat_round_trip.t WHERE marker = ?', [m], {
      prepare: true,
    });
    const n: unknown = rs.first().get('n');
    if (n !== 42) throw new Error(`read back ${String(n)}`);
  } finally {
    await client.shutdown();
  }
}

/**
 * PUTs an object with COMPLIANCE retention into the Object Lock bucket, reads it back,
 * then tries to DELETE that version: the server must refuse.
 */
export async function s3RoundTrip(server: Shared<S3Server>): Promise<void> {
  const client = s3Client(server);
  try {
    const key = `round-trip/${marker()}`;
    const put = await client.send(
      new PutObjectCommand({
        Bucket: server.lockedBucket,
        Key: key,
        Body: 'lifeboat',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() + 60_000),
      }),
    );
    if (!put.VersionId) throw new Error('no version id: bucket is not versioned');
    const got = await client.send(new GetObjectCommand({ Bucket: server.lockedBucket, Key: key }));
    const body = await got.Body?.transformToString();
    if (body !== 'lifeboat') throw new Error(`read back ${String(body)}`);
    if (got.ObjectLockMode !== 'COMPLIANCE') throw new Error(`lock mode ${String(got.ObjectLockMode)}`);
    let refused = false;
    try {
      await client.send(
        new DeleteObjectCommand({ Bucket: server.lockedBucket, Key: key, VersionId: put.VersionId }),
      );
    } catch {
      refused = true;
    }
    if (!refused) throw new Error('DELETE of a locked version was not refused');
  } finally {
    client.destroy();
  }
}

/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
/** Creates a namespace and a CRD (waiting until it is Established) and lists both. */
export async function kubeRoundTrip(server: Shared<KubeServer>): Promise<void> {
  const { KubeConfig, CoreV1Api, ApiextensionsV1Api } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const m = marker();
  await core.createNamespace({ body: { metadata: { name: `round-trip-${m}` } } });
  const group = `${m}.round-trip.lifeboat.dev`;
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    },
  });
  const namespaces = (await core.listNamespace()).items.map((n) => n.metadata?.name);
  if (!namespaces.includes(`round-trip-${m}`))
    throw new Error(`namespace not listed: ${namespaces.join(',')}`);
  await eventually(
    'CRD established',
    async () => {
      const crds = (await ext.listCustomResourceDefinition()).items.filter((c) => c.spec.group === group);
      return crds.map((c) =>
        c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
      );
    },
    [true],
  );
}
/* eslint-enable @typescript-eslint/no-unsafe-class-instance-assignment */
