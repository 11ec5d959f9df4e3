/**
 * Shared pieces of the Cassandra adapter tests: workloads for the test server, a driver
 * client, and an adapter-independent content reader. The artifact sink/source and the
 * progress sink are the MariaDB tests' (a real local repository).
 */
import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import type { Workload } from '../../../engine/model/index.ts';

export { quietProgress, renameKeys, testRepository, type TestRepository } from '../mysql/_helpers.ts';

export interface CassandraAddress {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly localDataCenter: string;
}

/** A unique keyspace name (the shared server outlives the test file). */
export function uniqueKeyspace(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export function workloadFor(server: CassandraAddress, keyspaces: readonly string[] = []): Workload {
  return {
    name: 'events-db',
    engine: 'cassandra',
    primary: {
      host: server.host,
      port: server.port,
      role: 'primary',
      url: `cassandra://${server.user}@${server.host}:${server.port}/?dc=${server.localDataCenter}`,
    },
    replicas: [],
    databases: keyspaces,
    credentials: { username: server.user, password: server.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  };
}

export async function clientFor(server: CassandraAddress): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: [`${server.host}:${server.port}`],
    localDataCenter: server.localDataCenter,
    credentials: { username: server.user, password: server.password },
    socketOptions: { readTimeout: 60_000 },
  });
  await client.connect();
  return client;
}

/**
 * Cassandra 5.0.6 cannot return `ttl()` of non-frozen lists and sets (corrupt bytes /
 * server NullPointerException), so neither the adapter nor this reader asks for it.
 */
function noTtl(type: string): boolean {
  return /^(list|set)</.test(type);
}

/** One cell as read back: value (JSON text), write time(s) and TTL(s). */
export interface CellState {
  readonly value: string;
  readonly writetime: string;
  readonly ttl: string;
}

/**
 * Every row of `keyspace.table` keyed by its key columns' JSON, each non-key column with
 * its value, write time and TTL, read with plain CQL (no adapter code).
 */
export async function tableState(
  client: cassandra.Client,
  keyspace: string,
  table: string,
): Promise<Map<string, Record<string, CellState>>> {
  const cols = (
    await client.execute(
      'SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
      [keyspace, table],
      { prepare: true },
    )
  ).rows.map((r) => ({
    name: String(r.get('column_name')),
    kind: String(r.get('kind')),
    position: Number(r.get('position')),
    type: String(r.get('type')),
  }));
  const keys = cols
    .filter((c) => c.kind === 'partition_key' || c.kind === 'clustering')
    .sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === 'partition_key' ? -1 : 1));
  const rest = cols.filter((c) => c.kind === 'static' || c.kind === 'regular');
  const q = (n: string): string => `"${n.replaceAll('"', '""')}"`;
  const select = [
    ...keys.map((k) => `toJson(${q(k.name)})`),
    ...rest.flatMap((c) =>
      c.type === 'counter'
        ? [`toJson(${q(c.name)})`]
        : noTtl(c.type)
          ? [`toJson(${q(c.name)})`, `writetime(${q(c.name)})`]
          : [`toJson(${q(c.name)})`, `writetime(${q(c.name)})`, `ttl(${q(c.name)})`],
    ),
  ];
  const out = new Map<string, Record<string, CellState>>();
  const text = (v: unknown): string =>
    v === null || v === undefined
      ? 'null'
      : Array.isArray(v)
        ? v.map(text).join(',')
        : (v as { toString(): string }).toString();
  const cql = `SELECT ${select.join(', ')} FROM ${q(keyspace)}.${q(table)}`;
  const rows = client.stream(cql, [], {
    prepare: true,
    fetchSize: 500,
  }) as unknown as AsyncIterable<cassandra.types.Row>;
  for await (const row of rows) {
    const values = row.values();
    const key = values.slice(0, keys.length).map(text).join('|');
    const cells: Record<string, CellState> = {};
    let i = keys.length;
    for (const c of rest) {
      if (c.type === 'counter') cells[c.name] = { value: text(values[i++]), writetime: '', ttl: '' };
      else if (noTtl(c.type))
        cells[c.name] = { value: text(values[i++]), writetime: text(values[i++]), ttl: 'unreadable' };
      else cells[c.name] = { value: text(values[i++]), writetime: text(values[i++]), ttl: text(values[i++]) };
    }
    out.set(key, cells);
  }
  return out;
}

/** The keyspace's CREATE statements as the server describes them, with its name replaced by `ks`. */
export async function describedSchema(client: cassandra.Client, keyspace: string): Promise<string[]> {
  const rs = await client.execute(`DESCRIBE KEYSPACE "${keyspace}"`);
  return rs.rows
    .map((r) =>
      String(r.get('create_statement'))
        .replaceAll(`"${keyspace}"`, 'KS')
        .replaceAll(`KEYSPACE ${keyspace} `, 'KEYSPACE KS ')
        .replaceAll(`${keyspace}.`, 'KS.'),
    )
    .sort();
}
