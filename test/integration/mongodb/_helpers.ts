/**
 * Shared pieces of the MongoDB adapter tests: workloads pointing at the test server, a
 * driver client for seeding and checking, and an independent content comparison. The
 * repository-backed sink/source and progress sink are the MariaDB tests' helpers.
 */
import { BSON, MongoClient, type Document } from 'mongodb';
import { randomBytes } from 'node:crypto';
import type { Workload } from '../../../engine/model/index.ts';

export { quietProgress, renameKeys, testRepository, type TestRepository } from '../mysql/_helpers.ts';

export interface MongoServerInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** A unique database name for one test (the shared server outlives the test file). */
export function uniqueDb(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A workload on `server` capturing `databases`; `password` overrides the real one. */
export function workloadFor(
  server: MongoServerInfo,
  databases: readonly string[] = [],
  password?: string,
): Workload {
  return {
    name: 'docs-db',
    engine: 'mongodb',
    primary: {
      host: server.host,
      port: server.port,
      role: 'primary',
      url: `mongodb://${server.user}@${server.host}:${server.port}/?authSource=admin`,
    },
    replicas: [],
    databases,
    credentials: { username: server.user, password: password ?? server.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
}

/** A plain driver client for seeding and checking (independent of the adapter's code). */
export async function clientFor(server: MongoServerInfo): Promise<MongoClient> {
  const client = new MongoClient(`mongodb://${server.host}:${server.port}/?authSource=admin`, {
    directConnection: true,
    auth: { username: server.user, password: server.password },
  });
  await client.connect();
  return client;
}

/**
 * Every document of `db.collection` as raw BSON hex keyed by its `_id` (Extended JSON):
 * two collections are equal document by document, byte for byte, when these maps are.
 */
export async function documentsById(
  client: MongoClient,
  db: string,
  collection: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const raw of client.db(db).collection(collection).find({}, { raw: true })) {
    const bytes = raw as unknown as Buffer;
    const doc = BSON.deserialize(bytes, { promoteValues: false });
    out.set(BSON.EJSON.stringify(doc._id, { relaxed: false }), bytes.toString('hex'));
  }
  return out;
}

/** Secondary indexes of a collection as comparable `{ name, key, unique }` records, sorted. */
export async function indexSummary(client: MongoClient, db: string, collection: string): Promise<unknown[]> {
  const list = await client.db(db).collection(collection).listIndexes().toArray();
  return list
    .map((i: Document) => ({ name: i.name as string, key: i.key as unknown, unique: i.unique === true }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Names and options of the collections of `db`, sorted (uuids excluded). */
export async function collectionSummary(client: MongoClient, db: string): Promise<unknown[]> {
  const list = await client.db(db).listCollections().toArray();
  return list
    .map((c) => ({ name: c.name, type: c.type, options: (c as { options?: unknown }).options ?? {} }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
