/**
 * The `snapshot` capture (FORMAT.md, "Snapshot captures"): the keyspaces' schema as CQL,
 * then every file of the node's snapshot (SSTable components, and the snapshot's own
 * `schema.cql` and `manifest.json`) streamed into the repository, then a catalog. The
 * snapshot is the one `cassandra.pinSnapshot` took (released by the blueprint's defer
 * phase), or one taken here and cleared before returning, whatever happens.
 *
 * The fingerprint is read live right after the snapshot (SSTables cannot be scanned in
 * place): it equals the snapshot's content when no write reached the keyspaces between
 * the snapshot and the end of that scan. The capture's details say so.
 */
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { ArtifactSink, CaptureOptions, CaptureResult, PinnedSnapshot } from '../types.ts';
import { schemaArtifact } from './artifacts.ts';
import { readKeyspace } from './catalog.ts';
import { connect, resolveTarget, run } from './connect.ts';
import { schemaScript, serverInfo } from './dump.ts';
import { fingerprint } from './fingerprint.ts';
import {
  SNAPSHOT_CATALOG_FORMAT,
  sstableArtifact,
  type SnapshotCatalog,
  type SnapshotCatalogKeyspace,
} from './snapshot-artifacts.ts';
import { dataDirectories, parseSnapshotToken, pinSnapshot, snapshotFiles } from './snapshot.ts';

async function* once(chunk: Buffer): AsyncGenerator<Buffer> {
  await Promise.resolve();
  yield chunk;
}

/** Capture the workload's keyspaces from a node snapshot (pinned, or taken and cleared here). */
export async function dumpSnapshot(
  workload: Workload,
  sink: ArtifactSink,
  options: CaptureOptions,
): Promise<CaptureResult> {
  const own = options.snapshot === undefined ? await pinSnapshot(workload, options.signal) : undefined;
  const pinned = (options.snapshot ?? own) as PinnedSnapshot;
  try {
    return await capture(workload, sink, options, pinned);
  } finally {
    if (own) await own.release();
  }
}

async function capture(
  workload: Workload,
  sink: ArtifactSink,
  options: CaptureOptions,
  pinned: PinnedSnapshot,
): Promise<CaptureResult> {
  const token = parseSnapshotToken(pinned.token, workload.name);
  const target = resolveTarget(workload);
  const client = await connect(target, options.signal);
  let files = 0;
  let bytes = 0;
  const keyspaces: SnapshotCatalogKeyspace[] = [];
  let server;
  try {
    server = await serverInfo(client, target);
    const dirs = await dataDirectories(client, target);
    for (const name of token.keyspaces) {
      const ks = await readKeyspace(client, target, name);
      await sink.put(schemaArtifact(name), once(Buffer.from(schemaScript(ks))), { keyspace: name });
      const ids = await run(
        client,
        target,
        `read table ids of ${name}`,
        'SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = ?',
        [name],
      );
      const idOf = new Map(ids.rows.map((r) => [String(r.get('table_name')), String(r.get('id'))]));
      const tables: SnapshotCatalogKeyspace['tables'][number][] = [];
      for (const table of ks.tables) {
        const id = idOf.get(table.name);
        if (id === undefined)
          throw new AdapterError('cassandra', `cassandra snapshot: table ${name}.${table.name} has no id`, {
            workload: workload.name,
          });
        const found = await snapshotFiles(
          dirs,
          { keyspace: name, name: table.name, id },
          token.tag,
          workload.name,
        );
        const stored: { name: string; artifact: string; bytes: number }[] = [];
        for (const file of found) {
          options.signal.throwIfAborted();
          const artifact = sstableArtifact(name, table.name, file.name);
          const counted = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              options.progress.bytes(chunk.length);
              callback(null, chunk);
            },
          });
          const result = await sink.put(artifact, createReadStream(file.path).pipe(counted), {
            keyspace: name,
            table: table.name,
          });
          stored.push({ name: file.name, artifact, bytes: result.bytes });
          files++;
          bytes += result.bytes;
        }
        tables.push({ name: table.name, files: stored });
      }
      keyspaces.push({ name, before: ks.before, after: ks.after, views: ks.views, tables });
    }
  } finally {
    await client.shutdown().catch(() => undefined);
  }
  const fp = await fingerprint(workload, { databases: token.keyspaces, signal: options.signal });
  const catalog: SnapshotCatalog = {
    format: SNAPSHOT_CATALOG_FORMAT,
    server: server.version,
    partitioner: server.partitioner,
    node: token.node,
    tag: token.tag,
    takenAt: token.takenAt,
    keyspaces,
  };
  await sink.put('catalog.json', once(Buffer.from(JSON.stringify(catalog, null, 2))));
  return {
    markers: pinned.markers,
    fingerprint: fp,
    details: {
      format: SNAPSHOT_CATALOG_FORMAT,
      serverVersion: server.version,
      databases: token.keyspaces.join(','),
      node: token.node,
      snapshot: token.tag,
      snapshotFiles: String(files),
      snapshotBytes: String(bytes),
      guarantee:
        'one node: every write it acknowledged before its flush and snapshot; no cut across nodes. Fingerprint read live right after the snapshot (exact when no write landed in between)',
    },
  };
}
