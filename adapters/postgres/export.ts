/**
 * Export one database of a capture as a single plain SQL script that `psql` loads with
 * no Lifeboat installed (users are never locked in): the schema's pre-data section,
 * every table as `COPY … FROM stdin` with its rows, the post-data section, sequence
 * positions and materialized view refreshes. Roles are not included (see globals.sql).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { ArtifactSource } from '../types.ts';
import { copyStatement, qualified, quoteLiteral } from './canonical.ts';
import { readCatalog } from './load.ts';
import { startTool } from './tools.ts';

/** Session settings matching the canonical encoding the rows were written in. */
const SCRIPT_SETTINGS = [
  "SET client_encoding = 'UTF8';",
  "SET DateStyle = 'ISO, YMD';",
  "SET IntervalStyle = 'postgres';",
  "SET TimeZone = 'UTC';",
  'SET standard_conforming_strings = on;',
  "SET lc_monetary = 'C';",
  "SET lc_numeric = 'C';",
  '',
].join('\n');

async function write(out: Writable, data: string | Uint8Array): Promise<void> {
  if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

/** Append `input` to `out` with backpressure, leaving `out` open (and free of listeners). */
async function copyInto(out: Writable, input: Readable): Promise<void> {
  for await (const chunk of input) await write(out, chunk as Uint8Array);
}

/**
 * Write database `database` (its name in the capture) of `source` to `out` as a psql
 * script; `out` is not ended. Load it with `psql -v ON_ERROR_STOP=1 -d <db> -f <file>`.
 * @throws AdapterError when the capture has no such database or pg_restore fails.
 */
export async function exportPlainSql(
  workload: Workload,
  source: ArtifactSource,
  database: string,
  out: Writable,
): Promise<void> {
  const catalog = await readCatalog(workload, source);
  const db = catalog.databases.find((d) => d.name === database);
  if (db === undefined) {
    throw new AdapterError(
      'postgres',
      `the capture has no database "${database}" (it has: ${catalog.databases.map((d) => d.name).join(', ')})`,
      { workload: workload.name },
    );
  }
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-pg-export-'));
  try {
    const schemaFile = join(work, 'schema.pgdump');
    await pipeline(source.open(db.schemaArtifact), createWriteStream(schemaFile));
    const section = async (name: 'pre-data' | 'data' | 'post-data', file = schemaFile): Promise<void> => {
      const tool = startTool('pg_restore', [`--section=${name}`, '--no-subscriptions', '-f', '-', file], {});
      if (tool.stdout) await copyInto(out, tool.stdout);
      await tool.done;
    };
    await write(
      out,
      `-- Lifeboat export of database "${database}" (LSN ${catalog.lsn}, PostgreSQL ${catalog.serverVersion})\n`,
    );
    await section('pre-data');
    await write(out, SCRIPT_SETTINGS);
    for (const table of db.tables) {
      await write(out, `${copyStatement(table.schema, table.name, table.columns, 'from')};\n`);
      await copyInto(out, source.open(table.artifact));
      await write(out, '\\.\n');
    }
    if (db.largeObjectsArtifact) {
      const loFile = join(work, 'large-objects.pgdump');
      await pipeline(source.open(db.largeObjectsArtifact), createWriteStream(loFile));
      await section('pre-data', loFile);
      await section('data', loFile);
    }
    await section('post-data');
    for (const s of db.sequences) {
      await write(
        out,
        `SELECT pg_catalog.setval(${quoteLiteral(qualified(s.schema, s.name))}, ${s.lastValue}, ${s.isCalled});\n`,
      );
    }
    for (const m of db.matviews)
      await write(out, `REFRESH MATERIALIZED VIEW ${qualified(m.schema, m.name)};\n`);
  } catch (error) {
    if (error instanceof AdapterError) throw error;
    throw new AdapterError(
      'postgres',
      `export of database "${database}" failed: ${(error as Error).message}`,
      {
        workload: workload.name,
        cause: error,
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
