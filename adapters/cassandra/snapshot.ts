/**
 * Node-local snapshots for the `snapshot` strategy: `nodetool flush` then `nodetool
 * snapshot -t <tag>` of the workload's keyspaces on the node the workload points at. The
 * snapshot hard-links the node's SSTables as they are after the flush: every write the
 * node acknowledged before the flush, nothing later. It is one node's point in time, not a
 * cluster-wide one (other replicas are not involved), which is why the adapter's
 * `pinSnapshot` capability stays false: an application-consistent cut never relies on it.
 * Released with `nodetool clearsnapshot -t <tag>`.
 */
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { AdapterError } from '../../engine/errors.ts';
import type { Workload } from '../../engine/model/index.ts';
import type { PinnedSnapshot } from '../types.ts';
import { listKeyspaces } from './catalog.ts';
import { resolveTarget, run, withClient, type CassandraTarget } from './connect.ts';
import { nodetool, nodetoolTarget } from './nodetool.ts';

export const SNAPSHOT_TAG_PREFIX = 'lifeboat-';

/** A snapshot this adapter took: the tag and the keyspaces it covers, as a handle token. */
export interface SnapshotToken {
  readonly tag: string;
  readonly keyspaces: readonly string[];
  readonly node: string;
  readonly takenAt: string;
}

export function parseSnapshotToken(token: string, workload: string): SnapshotToken {
  let parsed: Partial<SnapshotToken>;
  try {
    parsed = JSON.parse(token) as Partial<SnapshotToken>;
  } catch {
    parsed = {};
  }
  if (
    typeof parsed.tag !== 'string' ||
    !parsed.tag.startsWith(SNAPSHOT_TAG_PREFIX) ||
    !Array.isArray(parsed.keyspaces)
  )
    throw new AdapterError(
      'cassandra',
      'cassandra dump: the snapshot handle was not taken by cassandra.pinSnapshot',
      {
        workload,
      },
    );
  return parsed as SnapshotToken;
}

/**
 * Flush and snapshot the workload's keyspaces (all user keyspaces when it names none).
 * `release` clears the snapshot on the node; it is idempotent and never throws twice.
 */
export async function pinSnapshot(workload: Workload, signal: AbortSignal): Promise<PinnedSnapshot> {
  const target = resolveTarget(workload);
  const keyspaces = await withClient(target, signal, (client) =>
    listKeyspaces(client, target, workload.databases),
  );
  if (keyspaces.length === 0)
    throw new AdapterError('cassandra', `cassandra snapshot: no user keyspace on ${target.site.server}`, {
      workload: workload.name,
    });
  const tool = nodetoolTarget(workload);
  const tag = `${SNAPSHOT_TAG_PREFIX}${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
  // Flush first: a snapshot links SSTables only, and the flush turns every write the node
  // has acknowledged into one. (`snapshot` flushes again, table by table, just before linking.)
  for (const ks of keyspaces) await nodetool(tool, ['flush', '--', ks], signal);
  const release = async (): Promise<void> => {
    await nodetool(tool, ['clearsnapshot', '-t', tag], AbortSignal.timeout(120_000));
  };
  try {
    await nodetool(tool, ['snapshot', '-t', tag, '--', ...keyspaces], signal);
  } catch (error) {
    // A snapshot interrupted half-way may have linked some tables: clear them.
    await release().catch(() => undefined);
    throw error;
  }
  const takenAt = new Date().toISOString();
  const token: SnapshotToken = { tag, keyspaces, node: target.host, takenAt };
  let released: Promise<void> | undefined;
  return {
    token: JSON.stringify(token),
    markers: [
      { kind: 'snapshot', value: `${target.host}@${tag}` },
      { kind: 'snapshotAt', value: takenAt },
    ],
    release: () => (released ??= release()),
  };
}

/** The node's `data_file_directories` (from the `system_views.settings` virtual table). */
export async function dataDirectories(client: cassandra.Client, target: CassandraTarget): Promise<string[]> {
  const rs = await run(
    client,
    target,
    'read data_file_directories',
    "SELECT value FROM system_views.settings WHERE name = 'data_file_directories'",
  );
  const raw = rs.rows[0]?.get('value') as string | null | undefined;
  const dirs = (raw ?? '')
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  if (dirs.length === 0)
    throw new AdapterError(
      'cassandra',
      `cassandra snapshot: ${target.site.server} reports no data_file_directories`,
      {
        workload: target.site.workload,
      },
    );
  return dirs;
}

export interface SnapshotFile {
  readonly path: string;
  readonly name: string;
  readonly bytes: number;
}

/**
 * The files of `tag` for one table, across the data directories (`<dir>/<ks>/<table>-<id>/
 * snapshots/<tag>/`). These paths are on the node: Lifeboat must run where it can read
 * them (on the node, or in its pod). Index subdirectories are left out: `import` rebuilds
 * secondary indexes.
 * @throws AdapterError when no directory holds the table's snapshot (e.g. the table was
 *   created after the snapshot, or the data directories are not readable here).
 */
export async function snapshotFiles(
  dataDirs: readonly string[],
  table: { keyspace: string; name: string; id: string },
  tag: string,
  workload: string,
): Promise<SnapshotFile[]> {
  const dirName = `${table.name}-${table.id.replaceAll('-', '')}`;
  const files: SnapshotFile[] = [];
  let found = false;
  for (const root of dataDirs) {
    const dir = join(root, table.keyspace, dirName, 'snapshots', tag);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    found = true;
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const path = join(dir, entry.name);
      files.push({ path, name: entry.name, bytes: (await stat(path)).size });
    }
  }
  if (!found)
    throw new AdapterError(
      'cassandra',
      `cassandra snapshot ${tag}: no snapshot directory for ${table.keyspace}.${table.name} under ${dataDirs.join(', ')} (created after the snapshot, or the node's data directories are not readable where Lifeboat runs)`,
      { workload },
    );
  return files.sort((a, b) => a.name.localeCompare(b.name));
}
