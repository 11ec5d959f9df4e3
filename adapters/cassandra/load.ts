/**
 * Restoring a capture: keyspaces (renamed when asked), types, functions and tables are
 * created from the captured CQL, rows are loaded with bounded concurrency through
 * prepared statements that carry every cell's write time and TTL (`row-plan.ts`), then
 * secondary indexes and materialized views are created (the server builds them from
 * the loaded rows).
 *
 * A target table that already holds rows is refused unless `force`; with `force` the
 * rows are written over what is there (Cassandra merges by write time). Loading stops
 * at the first failed write and reports it: a partial restore never succeeds.
 */
import { createInterface } from 'node:readline';
import cassandra from 'cassandra-driver';
import type { Workload } from '../../engine/model/index.ts';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { ArtifactSource, RestoreOptions } from '../types.ts';
import { CATALOG_ARTIFACT, parseCatalog, type CatalogTable } from './artifacts.ts';
import { quoteIdent, rewriteCreate } from './cql-text.ts';
import { connect, resolveTarget, run, type CassandraTarget } from './connect.ts';
import { adapterError } from './errors.ts';
import { planRow, type ColumnValue, type RowOp } from './row-plan.ts';
import { snapshotCatalog } from './snapshot-artifacts.ts';
import { loadSnapshot } from './snapshot-restore.ts';
import { qualifiedName, type TableSpec } from './table-spec.ts';

/** Rows in flight per loading stream. */
export const ROWS_IN_FLIGHT = 64;

async function readText(source: ArtifactSource, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source.open(name) as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

const Long = cassandra.types.Long;

/** CQL and parameters for one planned write. Pure. */
export function statementFor(
  spec: Pick<TableSpec, 'keyspace' | 'name'>,
  where: readonly ColumnValue[],
  op: RowOp,
): { cql: string; params: unknown[] } {
  const table = qualifiedName(spec);
  const cond = where.map((w) => `${quoteIdent(w.column)} = fromJson(?)`).join(' AND ');
  const whereParams = where.map((w) => w.json);
  switch (op.op) {
    case 'insert': {
      const cols = [...where, ...op.cells];
      const using = op.timestamp === undefined ? '' : ' USING TIMESTAMP ? AND TTL ?';
      return {
        cql: `INSERT INTO ${table} (${cols.map((c) => quoteIdent(c.column)).join(', ')}) VALUES (${cols
          .map(() => 'fromJson(?)')
          .join(', ')})${using}`,
        params: [
          ...cols.map((c) => c.json),
          ...(op.timestamp === undefined ? [] : [Long.fromString(op.timestamp), op.ttl]),
        ],
      };
    }
    case 'append': {
      const c = quoteIdent(op.column);
      return {
        cql: `UPDATE ${table} USING TIMESTAMP ? AND TTL ? SET ${c} = ${c} + fromJson(?) WHERE ${cond}`,
        params: [Long.fromString(op.timestamp), op.ttl, op.json, ...whereParams],
      };
    }
    case 'field':
      return {
        cql: `UPDATE ${table} USING TIMESTAMP ? AND TTL ? SET ${quoteIdent(op.column)}.${op.field} = fromJson(?) WHERE ${cond}`,
        params: [Long.fromString(op.timestamp), op.ttl, op.json, ...whereParams],
      };
    case 'counter':
      return {
        cql: `UPDATE ${table} SET ${op.cells
          .map((c) => `${quoteIdent(c.column)} = ${quoteIdent(c.column)} + ?`)
          .join(', ')} WHERE ${cond}`,
        params: [...op.cells.map((c) => Long.fromString(c.json)), ...whereParams],
      };
  }
}

interface LoadJob {
  readonly spec: TableSpec;
  readonly artifact: string;
}

function specOf(keyspace: string, t: CatalogTable): TableSpec {
  return {
    keyspace,
    name: t.name,
    columns: t.columns,
    partitionKeys: t.partitionKeys,
    clusteringKeys: t.clusteringKeys,
    counter: t.counter,
  };
}

export async function refuseNonEmpty(
  client: cassandra.Client,
  target: CassandraTarget,
  keyspace: string,
  tables: readonly string[],
): Promise<string[]> {
  const existing = await run(
    client,
    target,
    `inspect target keyspace ${keyspace}`,
    'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
    [keyspace],
  );
  const present = new Set(existing.rows.map((r) => String(r.get('table_name'))));
  const nonEmpty: string[] = [];
  for (const t of tables.filter((name) => present.has(name))) {
    const rs = await run(
      client,
      target,
      `inspect ${keyspace}.${t}`,
      `SELECT * FROM ${qualifiedName({ keyspace, name: t })} LIMIT 1`,
    );
    if (rs.rows.length > 0) nonEmpty.push(`${keyspace}.${t}`);
  }
  return nonEmpty;
}

async function loadArtifact(
  client: cassandra.Client,
  target: CassandraTarget,
  source: ArtifactSource,
  job: LoadJob,
  signal: AbortSignal,
  onRows: (n: number) => void,
): Promise<void> {
  const what = `load ${job.spec.keyspace}.${job.spec.name}`;
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  const writeRow = async (line: string): Promise<void> => {
    const planned = planRow(job.spec, line);
    for (const op of planned.ops) {
      const { cql, params } = statementFor(job.spec, planned.where, op);
      try {
        await client.execute(cql, params, { prepare: true });
      } catch (error) {
        throw adapterError(what, target.site, error);
      }
    }
  };
  const lines = createInterface({ input: source.open(job.artifact), crlfDelay: Infinity });
  let done = 0;
  for await (const line of lines) {
    if (failure !== undefined || signal.aborted) break;
    if (line === '') continue;
    const p = writeRow(line).then(
      () => {
        done++;
        if (done % 1000 === 0) onRows(1000);
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= ROWS_IN_FLIGHT) await Promise.race(pending);
  }
  lines.close();
  await Promise.all(pending);
  onRows(done % 1000);
  if (failure instanceof Error) throw failure;
  if (failure !== undefined) throw new Error('cassandra load failed');
  signal.throwIfAborted();
}

/** Load the capture in `source` into `target` (a snapshot capture: `snapshot-restore.ts`). */
export async function load(
  targetWorkload: Workload,
  source: ArtifactSource,
  options: RestoreOptions,
): Promise<void> {
  const text = await readText(source, CATALOG_ARTIFACT);
  const snapshot = snapshotCatalog(text);
  if (snapshot) return loadSnapshot(targetWorkload, source, options, snapshot, refuseNonEmpty);
  const catalog = parseCatalog(text);
  const target = resolveTarget(targetWorkload);
  const streams = Math.max(1, Math.floor(options.parallelism));
  const client = await connect(target, options.signal, streams);
  try {
    const plan = catalog.keyspaces.map((ks) => ({ ks, to: options.rename[ks.name] ?? ks.name }));
    if (!options.force) {
      const refused: string[] = [];
      for (const { ks, to } of plan) {
        refused.push(
          ...(await refuseNonEmpty(
            client,
            target,
            to,
            ks.tables.map((t) => t.name),
          )),
        );
      }
      if (refused.length > 0) {
        throw new AdapterError(
          'cassandra',
          `cassandra restore refused: target table(s) not empty: ${refused.join(', ')} (use force to write over them)`,
          { workload: targetWorkload.name },
        );
      }
    }
    for (const { ks, to } of plan) {
      for (const statement of ks.before) {
        await run(client, target, `create schema of ${to}`, rewriteCreate(statement, ks.name, to, true));
      }
    }
    const jobs: LoadJob[] = plan.flatMap(({ ks, to }) =>
      ks.tables.flatMap((t) => t.artifacts.map((artifact) => ({ spec: specOf(to, t), artifact }))),
    );
    options.progress.estimate({
      rows: catalog.keyspaces.reduce((n, ks) => n + ks.tables.reduce((m, t) => m + t.rows, 0), 0),
    });
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    let next = 0;
    await Promise.all(
      Array.from({ length: streams }, async () => {
        try {
          for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
            signal.throwIfAborted();
            await loadArtifact(client, target, source, job, signal, (n) => {
              options.progress.rows(n);
            });
          }
        } catch (error) {
          stop.abort(error);
          throw error;
        }
      }),
    ).catch((error: unknown) => {
      if (options.signal.aborted)
        throw new CancelledError('cassandra restore cancelled', {
          workload: targetWorkload.name,
          cause: error,
        });
      throw error;
    });
    for (const { ks, to } of plan) {
      for (const statement of ks.after) {
        await run(
          client,
          target,
          `create indexes and views of ${to}`,
          rewriteCreate(statement, ks.name, to, true),
        );
      }
    }
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
