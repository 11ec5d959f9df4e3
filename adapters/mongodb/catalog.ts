/**
 * Reading what a capture records about databases and collections: which exist, their
 * options (`listCollections`), secondary indexes (`listIndexes`) and users (`usersInfo`).
 */
import type { Document, MongoClient } from 'mongodb';
import type { IndexSpec } from './archive.ts';
import { adapterError, type ErrorSite } from './errors.ts';

/** Databases that hold server state, never user data. */
export const SYSTEM_DATABASES = new Set(['admin', 'local', 'config']);

/** One collection or view as listed, before its data is read. */
export interface CollectionInfo {
  readonly name: string;
  readonly type: 'collection' | 'view' | 'timeseries';
  readonly options: Document;
  readonly indexes: readonly IndexSpec[];
  /** Server's size estimate in bytes (for ordering and progress); 0 when unknown. */
  readonly sizeEstimate: number;
}

/** User databases on the server, or the requested ones (all must exist). */
export async function listDatabases(
  client: MongoClient,
  site: ErrorSite,
  requested: readonly string[],
): Promise<string[]> {
  let names: string[];
  try {
    const reply = await client.db('admin').command({ listDatabases: 1, nameOnly: true });
    names = (reply.databases as { name: string }[]).map((d) => d.name);
  } catch (error) {
    throw adapterError('listDatabases', site, error);
  }
  if (requested.length === 0) return names.filter((n) => !SYSTEM_DATABASES.has(n)).sort();
  // A requested database that has no collections yet is not listed by the server; it is
  // still captured (as empty) rather than refused.
  return [...requested];
}

/** Drop the fields of a `listIndexes` entry that the server chooses itself. */
export function portableIndex(index: Document): IndexSpec {
  const { v: _v, ns: _ns, background: _bg, ...rest } = index;
  return rest as IndexSpec;
}

/** Collections and views of `db` (system collections excluded) with options and indexes. */
export async function listCollections(
  client: MongoClient,
  site: ErrorSite,
  db: string,
): Promise<CollectionInfo[]> {
  const database = client.db(db);
  try {
    const listed = await database.listCollections({}, { nameOnly: false }).toArray();
    const out: CollectionInfo[] = [];
    for (const c of listed) {
      const name = c.name;
      if (name.startsWith('system.')) continue;
      const type = c.type === 'view' ? 'view' : c.type === 'timeseries' ? 'timeseries' : 'collection';
      const options = c.options ?? {};
      let indexes: IndexSpec[] = [];
      let sizeEstimate = 0;
      if (type !== 'view') {
        const all = await database.collection(name).listIndexes().toArray();
        indexes = all.filter((i: Document) => i.name !== '_id_').map(portableIndex);
        try {
          const stats = await database.command({ collStats: name });
          sizeEstimate = typeof stats.size === 'number' ? stats.size : 0;
        } catch {
          sizeEstimate = 0; // collStats is optional: only ordering and ETA use it
        }
      }
      out.push({ name, type, options, indexes, sizeEstimate });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    throw adapterError(`list collections of ${db}`, site, error);
  }
}

/**
 * Users defined in `db` (names, roles, mechanisms; no credentials), or undefined with a
 * reason when the server or the privileges do not allow reading them.
 */
export async function readUsers(
  client: MongoClient,
  db: string,
): Promise<{ users: Document[] } | { reason: string }> {
  try {
    const reply = await client.db(db).command({ usersInfo: 1 });
    return { users: (reply.users ?? []) as Document[] };
  } catch (error) {
    return { reason: `usersInfo on ${db} refused: ${(error as Error).message}` };
  }
}
