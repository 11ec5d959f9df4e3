/**
 * Restoring a `snapshot` capture on one node: the keyspaces' schema is created (renamed
 * when asked), each table's SSTables are written to a staging directory and handed to
 * `nodetool import` (which verifies them and moves them into the table, rebuilding its
 * secondary indexes), then indexes and views are created. Cells come back byte for byte:
 * values, write times, TTLs (as absolute expiry times), tombstones.
 *
 * The staging directory must be readable by the Cassandra process: Lifeboat runs on the
 * node (or in its pod) and stages under `LIFEBOAT_CASSANDRA_STAGING` (default: the system
 * temp directory). `import` only loads what the node owns: on a multi-node cluster whose
 * token ownership differs from the captured node's, stream with `sstableloader` instead
 * (not done by Lifeboat yet).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type cassandra from 'cassandra-driver';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { ArtifactSource, RestoreOptions } from '../types.ts';
import { rewriteCreate } from './cql-text.ts';
import { connect, resolveTarget, run, type CassandraTarget } from './connect.ts';
import { nodetool, nodetoolTarget } from './nodetool.ts';
import type { SnapshotCatalog } from './snapshot-artifacts.ts';

export const STAGING_ENV = 'LIFEBOAT_CASSANDRA_STAGING';

/** Files of a snapshot that are not SSTable components (kept in the capture for people). */
const NOT_SSTABLE = new Set(['manifest.json', 'schema.cql']);

type RefuseNonEmpty = (
  client: cassandra.Client,
  target: CassandraTarget,
  keyspace: string,
  tables: readonly string[],
) => Promise<string[]>;

/** Load a snapshot capture into the target node. */
export async function loadSnapshot(
  targetWorkload: Workload,
  source: ArtifactSource,
  options: RestoreOptions,
  catalog: SnapshotCatalog,
  refuseNonEmpty: RefuseNonEmpty,
): Promise<void> {
  const target = resolveTarget(targetWorkload);
  const tool = nodetoolTarget(targetWorkload);
  const client = await connect(target, options.signal);
  const staging = await mkdtemp(join(process.env[STAGING_ENV] ?? tmpdir(), 'lifeboat-sstables-'));
  try {
    const plan = catalog.keyspaces.map((ks) => ({ ks, to: options.rename[ks.name] ?? ks.name }));
    if (!options.force) {
      const refused: string[] = [];
      for (const { ks, to } of plan)
        refused.push(
          ...(await refuseNonEmpty(
            client,
            target,
            to,
            ks.tables.map((t) => t.name),
          )),
        );
      if (refused.length > 0)
        throw new AdapterError(
          'cassandra',
          `cassandra restore refused: target table(s) not empty: ${refused.join(', ')} (use force to merge the snapshot into them)`,
          { workload: targetWorkload.name },
        );
    }
    for (const { ks, to } of plan)
      for (const statement of ks.before)
        await run(client, target, `create schema of ${to}`, rewriteCreate(statement, ks.name, to, true));
    options.progress.estimate({
      bytes: catalog.keyspaces.reduce(
        (n, ks) => n + ks.tables.reduce((m, t) => m + t.files.reduce((k, f) => k + f.bytes, 0), 0),
        0,
      ),
    });
    for (const { ks, to } of plan) {
      for (const table of ks.tables) {
        const sstables = table.files.filter((f) => !NOT_SSTABLE.has(f.name));
        if (sstables.length === 0) continue; // an empty table: nothing to import
        const dir = join(staging, encodeURIComponent(to), encodeURIComponent(table.name));
        await mkdir(dir, { recursive: true });
        for (const file of sstables) {
          options.signal.throwIfAborted();
          const input = source.open(file.artifact);
          input.on('data', (chunk: Buffer) => {
            options.progress.bytes(chunk.length);
          });
          await pipeline(input, createWriteStream(join(dir, file.name)), { signal: options.signal });
        }
        await nodetool(tool, ['import', '--', to, table.name, dir], options.signal);
      }
    }
    for (const { ks, to } of plan)
      for (const statement of ks.after)
        await run(
          client,
          target,
          `create indexes and views of ${to}`,
          rewriteCreate(statement, ks.name, to, true),
        );
  } finally {
    await client.shutdown().catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
  }
}
