/**
 * The logical capture: schema from `DESCRIBE KEYSPACE`, then every table scanned by
 * token-range splits in parallel (several splits per stream so the streams stay busy to
 * the end), paged, each row stored as one JSON line with its cells' write times and TTLs
 * and hashed on the way. Artifacts (FORMAT.md): `schema/<ks>.cql`, one
 * `data/<ks>/<table>/<split>.jsonl` per non-empty split, and `catalog.json` last.
 *
 * Consistency: Cassandra has no snapshot a scan can read from; each split sees the rows
 * as they are when its pages are read ("per-node, no global cut"). The markers record,
 * per coordinator node, the newest write time seen.
 */
import type cassandra from 'cassandra-driver';
import type { Fingerprint, Marker, TableFingerprint, Workload } from '../../engine/model/index.ts';
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import type { ArtifactSink, CaptureOptions, CaptureResult } from '../types.ts';
import {
  CATALOG_ARTIFACT,
  FORMAT,
  dataArtifact,
  schemaArtifact,
  type CassandraCatalog,
  type CatalogKeyspace,
} from './artifacts.ts';
import { listKeyspaces, readKeyspace, type KeyspaceSchema } from './catalog.ts';
import { connect, resolveTarget, run, type CassandraTarget } from './connect.ts';
import { loadHash, RowSum } from './row-hash.ts';
import { firstPages, interleave, ScanStats, TableScan } from './scan.ts';
import type { TableSpec } from './table-spec.ts';
import { dumpSnapshot } from './snapshot-capture.ts';
import { splitRing, type TokenSplit } from './token-splits.ts';

/** Token-range splits per stream: enough that one slow range does not idle the others. */
export const SPLITS_PER_STREAM = 4;

/**
 * Token ranges read concurrently into one split artifact (`interleave`). Pages of one
 * range are sequential (each needs the previous one's paging state) and the client
 * encodes a page only as it arrives, so a single range leaves the server idle while the
 * client works; two per stream keep both sides busy.
 */
export const RANGES_PER_SPLIT = 2;

/** The ranges of each split: `count` splits of the ring, each cut into `lanes` ranges. */
export function splitRanges(count: number, lanes = RANGES_PER_SPLIT): TokenSplit[][] {
  const ranges = splitRing(count * lanes);
  return Array.from({ length: count }, (_, i) => ranges.slice(i * lanes, (i + 1) * lanes));
}

export const MURMUR3 = 'org.apache.cassandra.dht.Murmur3Partitioner';

/** What the dump preserves, recorded in the capture's details. */
export const PRESERVED =
  'value, WRITETIME and TTL of every regular and static cell (per element for non-frozen collections and UDTs); counters by value only; the row marker of a key-only row gets the load time';

async function* once(chunk: Buffer): AsyncGenerator<Buffer> {
  await Promise.resolve();
  yield chunk;
}

/** Release version and partitioner of the node the client talks to. */
export async function serverInfo(
  client: cassandra.Client,
  target: CassandraTarget,
): Promise<{ version: string; partitioner: string; dataCenter: string; cluster: string }> {
  const rs = await run(
    client,
    target,
    'read server info',
    'SELECT release_version, partitioner, data_center, cluster_name FROM system.local',
  );
  const row = rs.first();
  return {
    version: String(row.get('release_version')),
    partitioner: String(row.get('partitioner')),
    dataCenter: String(row.get('data_center')),
    cluster: String(row.get('cluster_name')),
  };
}

interface SplitJob {
  readonly table: TableSpec;
  readonly index: number;
  /** Its token ranges; `[undefined]`: the whole table (non-Murmur3 partitioners). */
  readonly ranges: readonly (TokenSplit | undefined)[];
}

/** The CQL file of one keyspace's schema, loadable with cqlsh. */
export function schemaScript(ks: KeyspaceSchema): string {
  return [...ks.before, ...ks.after].map((s) => `${s};\n`).join('\n');
}

/** Capture `workload` (all user keyspaces, or `workload.databases`) into `sink`. */
export async function dump(
  workload: Workload,
  sink: ArtifactSink,
  options: CaptureOptions,
): Promise<CaptureResult> {
  if (options.strategy === 'snapshot') return dumpSnapshot(workload, sink, options);
  if (options.strategy !== 'logical') {
    throw new AdapterError(
      'cassandra',
      `cassandra dump: strategy ${options.strategy} is not supported (only logical and snapshot)`,
      {
        workload: workload.name,
      },
    );
  }
  if (options.snapshot) {
    throw new AdapterError(
      'cassandra',
      'a logical cassandra dump cannot read from a snapshot (Cassandra has no read snapshot; the snapshot strategy streams a node snapshot instead)',
      {
        workload: workload.name,
      },
    );
  }
  const target = resolveTarget(workload);
  const streams = Math.max(1, Math.floor(options.parallelism));
  const client = await connect(target, options.signal, streams);
  try {
    const server = await serverInfo(client, target);
    const keyspaces: KeyspaceSchema[] = [];
    for (const name of await listKeyspaces(client, target, workload.databases)) {
      keyspaces.push(await readKeyspace(client, target, name));
    }
    for (const ks of keyspaces) {
      await sink.put(schemaArtifact(ks.name), once(Buffer.from(schemaScript(ks))), { keyspace: ks.name });
    }

    const splits: (TokenSplit | undefined)[][] =
      server.partitioner === MURMUR3 ? splitRanges(streams * SPLITS_PER_STREAM) : [[undefined]];
    const jobs: SplitJob[] = keyspaces.flatMap((ks) =>
      ks.tables.flatMap((table) => splits.map((ranges, index) => ({ table, index, ranges }))),
    );
    const hash = await loadHash();
    const sums = new Map<string, RowSum>();
    const artifacts = new Map<string, string[]>();
    const maxByHost = new Map<string, bigint>();
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    let next = 0;
    await Promise.all(
      Array.from({ length: streams }, async () => {
        try {
          for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
            signal.throwIfAborted();
            const key = `${job.table.keyspace}.${job.table.name}`;
            const stats = new ScanStats();
            const scanOptions = {
              signal,
              hash,
              stats,
              onPage: (rows: number, bytes: number) => {
                options.progress.rows(rows);
                options.progress.bytes(bytes);
              },
            };
            const firsts = await firstPages(
              job.ranges.map((range) => new TableScan(client, target, job.table, range, scanOptions)),
            );
            if (firsts.some((f) => f.page.rows > 0 || f.page.pageState)) {
              const name = dataArtifact(job.table.keyspace, job.table.name, job.index);
              const body = interleave(firsts);
              await sink.put(name, body, {
                keyspace: job.table.keyspace,
                table: job.table.name,
                split: String(job.index),
              });
              artifacts.set(key, [...(artifacts.get(key) ?? []), name]);
            }
            const sum = sums.get(key) ?? new RowSum();
            sum.merge(stats.sum);
            sums.set(key, sum);
            const host = stats.host ?? target.site.server;
            const latest = stats.latest.value;
            if (latest !== undefined && latest > (maxByHost.get(host) ?? -1n)) maxByHost.set(host, latest);
          }
        } catch (error) {
          stop.abort(error);
          throw error;
        }
      }),
    ).catch((error: unknown) => {
      if (options.signal.aborted)
        throw new CancelledError('cassandra dump cancelled', { workload: workload.name, cause: error });
      throw error;
    });

    const fingerprint: Record<string, TableFingerprint> = {};
    const catalogKeyspaces: CatalogKeyspace[] = keyspaces.map((ks) => ({
      name: ks.name,
      before: ks.before,
      after: ks.after,
      views: ks.views,
      tables: ks.tables.map((t) => {
        const key = `${ks.name}.${t.name}`;
        const result = (sums.get(key) ?? new RowSum()).result();
        fingerprint[key] = result;
        return {
          name: t.name,
          columns: t.columns,
          partitionKeys: t.partitionKeys,
          clusteringKeys: t.clusteringKeys,
          counter: t.counter,
          // Splits finish in any order; keep the ring order.
          artifacts: [...(artifacts.get(key) ?? [])].sort(),
          rows: result.rows,
        };
      }),
    }));
    const catalog: CassandraCatalog = {
      format: FORMAT,
      server: server.version,
      partitioner: server.partitioner,
      keyspaces: catalogKeyspaces,
    };
    await sink.put(CATALOG_ARTIFACT, once(Buffer.from(JSON.stringify(catalog, null, 1))));
    const markers: Marker[] = [...maxByHost.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([host, micros]) => ({ kind: 'writetime', value: `${host}@${micros.toString()}` }));
    const result: Fingerprint = fingerprint;
    return {
      markers,
      fingerprint: result,
      details: {
        format: FORMAT,
        server: server.version,
        partitioner: server.partitioner,
        cluster: server.cluster,
        dataCenter: server.dataCenter,
        method: 'driver token-range scan',
        streams: String(streams),
        splits: String(splits.length),
        ranges: String(splits.flat().length),
        consistency:
          'per-node, no global cut: each token range is read at LOCAL_QUORUM when its pages are fetched',
        preserved: PRESERVED,
        source: target.site.server,
      },
    };
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
