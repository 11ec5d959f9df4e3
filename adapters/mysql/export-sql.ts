/**
 * One plain SQL stream of a capture that the `mariadb` / `mysql` client loads without
 * Lifeboat (`lifeboat export`): per database `CREATE DATABASE` + `USE`, the table DDL,
 * every data file as stored, then routines, views, triggers and events. Streams: data
 * files are passed through chunk by chunk, never held whole.
 */
import { AdapterError } from '../../engine/errors.ts';
import type { ArtifactSource } from '../types.ts';
import { CATALOG_ARTIFACT, REPLICA_SNAPSHOT_ARTIFACT, parseCatalog } from './artifact-names.ts';
import { quoteIdent } from './sql-literal.ts';

async function* artifact(source: ArtifactSource, name: string): AsyncGenerator<Buffer> {
  for await (const chunk of source.open(name) as AsyncIterable<Buffer>) yield chunk;
}

async function text(source: ArtifactSource, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of artifact(source, name)) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The capture in `source` as one SQL script; `rename` maps database names as in `load`.
 * Unlike `load`, it neither checks nor drops existing databases (`CREATE DATABASE` fails
 * on an existing one, so nothing is overwritten by accident).
 */
export async function* exportSql(
  source: ArtifactSource,
  options: { rename?: Readonly<Record<string, string>> } = {},
): AsyncGenerator<Buffer> {
  if ((await source.list()).includes(REPLICA_SNAPSHOT_ARTIFACT)) {
    throw new AdapterError(
      'mysql',
      'this member is a physical replica snapshot, not SQL: export its data directory stream with ' +
        'exportDatadirStream and load it with `mbstream -x -C DIR < FILE && mariabackup --prepare --target-dir=DIR`',
    );
  }
  const catalog = parseCatalog(await text(source, CATALOG_ARTIFACT));
  yield Buffer.from(
    `-- Lifeboat export of a ${catalog.format} capture from MariaDB/MySQL ${catalog.server}\n`,
  );
  for (const db of catalog.databases) {
    const name = quoteIdent(options.rename?.[db.name] ?? db.name);
    yield Buffer.from(
      `\nCREATE DATABASE ${name} CHARACTER SET ${db.charset} COLLATE ${db.collation};\nUSE ${name};\n` +
        "SET NAMES utf8mb4;\nSET time_zone = '+00:00';\nSET foreign_key_checks = 0;\n",
    );
    yield* artifact(source, db.schema);
    for (const table of db.tables) for (const part of table.artifacts) yield* artifact(source, part.name);
    yield* artifact(source, db.post);
    yield Buffer.from('SET foreign_key_checks = 1;\n');
  }
}
