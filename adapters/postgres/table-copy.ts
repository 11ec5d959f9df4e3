/**
 * Reading table rows in the canonical encoding from a snapshot: worker connections that
 * join an exported snapshot, and one table's COPY stream hashed as it flows.
 */
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { TableFingerprint } from '../../engine/model/index.ts';
import { copyStatement, quoteLiteral } from './canonical.ts';
import { connect, type ConnectionTarget } from './connection.ts';
import { adapterError } from './errors.ts';
import { hashingStream, RowHasher, loadRowHash } from './row-hash.ts';
import type { TableInfo } from './catalog.ts';

/**
 * Open `n` connections to `database`, each in a REPEATABLE READ READ ONLY transaction
 * that imports `snapshotId`, with canonical session settings. Caller ends them.
 */
export async function openSnapshotWorkers(
  target: ConnectionTarget,
  database: string,
  snapshotId: string,
  n: number,
): Promise<pg.Client[]> {
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const client = await connect(target, database, { canonical: true, applicationName: 'lifeboat-dump' });
      clients.push(client);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotId)}`);
    }
    return clients;
  } catch (error) {
    await closeAll(clients);
    throw adapterError(target.workload, `cannot join the snapshot of database "${database}"`, error);
  }
}

/** End every client, ignoring errors (used in finally blocks). */
export async function closeAll(clients: readonly pg.Client[]): Promise<void> {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
}

/** A table's rows as a COPY text stream, plus the fingerprint once the stream has ended. */
export interface HashedCopy {
  /** Pass-through stream of the COPY output; hand it to the sink. */
  readonly stream: Readable;
  /** Resolves when COPY finished and every byte went through `stream`; rejects on a COPY error. */
  readonly done: Promise<TableFingerprint>;
}

/** Start `COPY table TO STDOUT` on `client`; rows are hashed as they pass. */
export async function hashedCopy(
  client: pg.Client,
  table: Pick<TableInfo, 'schema' | 'name' | 'columns'>,
  onBytes?: (n: number) => void,
): Promise<HashedCopy> {
  const hasher = new RowHasher(await loadRowHash());
  const source = client.query(copyTo(copyStatement(table.schema, table.name, table.columns, 'to')));
  const through = hashingStream(hasher, onBytes);
  source.on('error', (error) => through.destroy(error));
  source.pipe(through);
  const done = finished(through, { readable: true, writable: true }).then(() => hasher.digest());
  done.catch(() => {});
  return { stream: through, done };
}

/** Hash a table's rows without keeping them (live fingerprints). */
export async function hashTable(
  client: pg.Client,
  table: Pick<TableInfo, 'schema' | 'name' | 'columns'>,
): Promise<TableFingerprint> {
  const hasher = new RowHasher(await loadRowHash());
  const source = client.query(copyTo(copyStatement(table.schema, table.name, table.columns, 'to')));
  const sinkhole = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      hasher.update(chunk);
      callback();
    },
  });
  source.on('error', (error) => sinkhole.destroy(error));
  source.pipe(sinkhole);
  await finished(sinkhole);
  return hasher.digest();
}
