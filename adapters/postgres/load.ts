/**
 * Restore of a capture made by dump.ts: globals (missing roles), then per database
 * create the target (refusing a non-empty one unless `force`), pg_restore pre-data,
 * COPY FROM of every table in parallel (each table one transaction), pg_restore
 * post-data in parallel (indexes, constraints, triggers), sequence positions and
 * materialized view refreshes. Any failure stops the restore and is thrown.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { ArtifactSource, RestoreOptions } from '../types.ts';
import { copyStatement, qualified, quoteIdent, quoteLiteral } from './canonical.ts';
import {
  CATALOG_ARTIFACT,
  captureCatalogSchema,
  type CaptureCatalog,
  type CatalogDatabase,
} from './capture-catalog.ts';
import { hasUserObjects } from './catalog.ts';
import { connect, toolEnv, withConnection, type ConnectionTarget } from './connection.ts';
import { adapterError, cancelledOr, throwIfAborted } from './errors.ts';
import { parseGlobals, statementsToApply } from './globals.ts';
import { REPLICA_SNAPSHOT_ARTIFACT } from './replica-snapshot.ts';
import { maintenanceDatabase } from './snapshot.ts';
import { closeAll } from './table-copy.ts';
import { startTool } from './tools.ts';
import { runPool } from './_pool.ts';

async function readAll(source: ArtifactSource, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open(name)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Read and validate the capture's catalog. */
export async function readCatalog(workload: Workload, source: ArtifactSource): Promise<CaptureCatalog> {
  try {
    return captureCatalogSchema.parse(JSON.parse(await readAll(source, CATALOG_ARTIFACT)));
  } catch (error) {
    throw adapterError(workload, `cannot read ${CATALOG_ARTIFACT} of the capture`, error);
  }
}

/** Load a capture into `target` (see module comment). */
export async function load(target: Workload, source: ArtifactSource, options: RestoreOptions): Promise<void> {
  try {
    await loadOnce(target, source, options);
  } catch (error) {
    throw cancelledOr(target, options.signal, error);
  }
}

async function loadOnce(target: Workload, source: ArtifactSource, options: RestoreOptions): Promise<void> {
  const conn: ConnectionTarget = { workload: target, endpoint: target.primary };
  if ((await source.list()).includes(REPLICA_SNAPSHOT_ARTIFACT)) {
    throw new AdapterError(
      'postgres',
      'this capture is a physical replica snapshot: restore it into an empty data directory (lifeboat restore ID --to NAME=file:///DIR, or restoreReplicaSnapshot) and start a server on it',
      { workload: target.name },
    );
  }
  const catalog = await readCatalog(target, source);
  const names = catalog.databases.map((d) => options.rename[d.name] ?? d.name);
  const maintenance = maintenanceDatabase(target);
  // Check every target first: refuse before changing anything.
  const prepared = await withConnection(conn, maintenance, async (client) => {
    const plans: ('create' | 'reuse' | 'recreate')[] = [];
    for (const name of names) plans.push(await targetPlan(conn, client, name, options.force));
    return plans;
  });
  throwIfAborted(options.signal, target);
  options.progress.estimate({
    bytes: catalog.databases.reduce((s, d) => s + d.tables.reduce((t, x) => t + x.bytes, 0), 0),
    rows: catalog.databases.reduce((s, d) => s + d.tables.reduce((t, x) => t + x.rows, 0), 0),
  });
  if (catalog.globalsArtifact)
    await applyGlobals(conn, maintenance, await readAll(source, catalog.globalsArtifact));

  const work = await mkdtemp(join(tmpdir(), 'lifeboat-pg-restore-'));
  try {
    for (const [i, db] of catalog.databases.entries()) {
      const name = names[i] as string;
      await createTarget(conn, maintenance, name, db, prepared[i] ?? 'create');
      await restoreDatabase(conn, source, db, name, work, options);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What to do with one target database; throws when it is non-empty and `force` is off. */
async function targetPlan(
  conn: ConnectionTarget,
  client: pg.Client,
  name: string,
  force: boolean,
): Promise<'create' | 'reuse' | 'recreate'> {
  const r = await client.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name]);
  if (r.rowCount === 0) return 'create';
  const nonEmpty = await withConnection(conn, name, hasUserObjects);
  if (!nonEmpty) return 'reuse';
  if (!force) {
    throw new AdapterError(
      'postgres',
      `target database "${name}" is not empty: refusing to restore over it without force`,
      {
        workload: conn.workload.name,
      },
    );
  }
  return 'recreate';
}

async function createTarget(
  conn: ConnectionTarget,
  maintenance: string,
  name: string,
  db: CatalogDatabase,
  plan: 'create' | 'reuse' | 'recreate',
): Promise<void> {
  if (plan === 'reuse') return;
  // Cannot drop the database we are connected to: use template1 for that case.
  const via = maintenance === name ? 'template1' : maintenance;
  await withConnection(conn, via, async (client) => {
    try {
      if (plan === 'recreate') await client.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
      await client.query(
        `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING ${quoteLiteral(db.encoding)} ` +
          `LC_COLLATE ${quoteLiteral(db.collate)} LC_CTYPE ${quoteLiteral(db.ctype)}`,
      );
    } catch (error) {
      throw adapterError(conn.workload, `cannot create target database "${name}"`, error);
    }
  });
}

async function applyGlobals(conn: ConnectionTarget, maintenance: string, script: string): Promise<void> {
  await withConnection(conn, maintenance, async (client) => {
    const roles = await client.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles');
    const existing = new Set(roles.rows.map((r) => r.rolname));
    for (const statement of statementsToApply(parseGlobals(script), existing)) {
      try {
        await client.query(statement.sql);
      } catch (error) {
        const code = (error as { code?: string }).code;
        // Already there (tablespace, membership): the target keeps what it has.
        if (code === '42710' || code === '42P07') continue;
        throw adapterError(conn.workload, 'restoring roles and tablespaces failed', error);
      }
    }
  });
}

async function restoreDatabase(
  conn: ConnectionTarget,
  source: ArtifactSource,
  db: CatalogDatabase,
  name: string,
  work: string,
  options: RestoreOptions,
): Promise<void> {
  const schemaFile = join(work, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}-${Date.now()}.pgdump`);
  await pipeline(source.open(db.schemaArtifact), createWriteStream(schemaFile));
  await pgRestore(conn, name, schemaFile, ['--section=pre-data'], options.signal);
  await copyTables(conn, source, db, name, options);
  if (db.largeObjectsArtifact) {
    const loFile = `${schemaFile}.lo`;
    await pipeline(source.open(db.largeObjectsArtifact), createWriteStream(loFile));
    await pgRestore(conn, name, loFile, [], options.signal);
  }
  const jobs = Math.max(1, options.parallelism);
  await pgRestore(conn, name, schemaFile, ['--section=post-data', `--jobs=${jobs}`], options.signal);
  await withConnection(conn, name, async (client) => {
    try {
      for (const s of db.sequences) {
        await client.query(
          `SELECT pg_catalog.setval(${quoteLiteral(qualified(s.schema, s.name))}, ${s.lastValue}, ${s.isCalled})`,
        );
      }
      for (const m of db.matviews)
        await client.query(`REFRESH MATERIALIZED VIEW ${qualified(m.schema, m.name)}`);
    } catch (error) {
      throw adapterError(
        conn.workload,
        `restoring sequences and materialized views of "${name}" failed`,
        error,
      );
    }
  });
}

async function pgRestore(
  conn: ConnectionTarget,
  database: string,
  file: string,
  extra: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const args = ['--exit-on-error', '--no-subscriptions', ...extra, `--dbname=${database}`, file];
  const tool = startTool('pg_restore', args, toolEnv(conn, database), { stdout: 'ignore', signal });
  try {
    await tool.done;
  } catch (error) {
    throw adapterError(conn.workload, `pg_restore ${extra.join(' ')} into "${database}" failed`, error);
  }
}

async function copyTables(
  conn: ConnectionTarget,
  source: ArtifactSource,
  db: CatalogDatabase,
  name: string,
  options: RestoreOptions,
): Promise<void> {
  const n = Math.max(1, Math.min(options.parallelism, db.tables.length));
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < n; i++)
      clients.push(await connect(conn, name, { canonical: true, applicationName: 'lifeboat-restore' }));
    const inFlight = new Set<{ destroy(error?: Error): void }>();
    const onAbort = (): void => {
      for (const s of inFlight) s.destroy(new Error('restore cancelled'));
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await runPool(
        db.tables,
        n,
        async (table, worker) => {
          throwIfAborted(options.signal, conn.workload);
          const client = clients[worker] as pg.Client;
          const input = source.open(table.artifact);
          inFlight.add(input);
          const counter = new Transform({
            transform(chunk: Buffer, _e, cb) {
              options.progress.bytes(chunk.length);
              cb(null, chunk);
            },
          });
          try {
            await pipeline(
              input,
              counter,
              client.query(copyFrom(copyStatement(table.schema, table.name, table.columns, 'from'))),
            );
            options.progress.rows(table.rows);
          } catch (error) {
            throw adapterError(
              conn.workload,
              `loading table ${table.schema}.${table.name} into "${name}" failed`,
              error,
            );
          } finally {
            inFlight.delete(input);
          }
        },
        onAbort,
      );
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  } finally {
    await closeAll(clients);
  }
}
