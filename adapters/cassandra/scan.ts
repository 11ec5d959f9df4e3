/**
 * Scanning one token range of a table page by page (`fetchSize` rows per round trip),
 * encoding each row once: the stored line and the fingerprint come from the same bytes
 * the server returned, so a dump never reads a table twice.
 */
import cassandra from 'cassandra-driver';
import { run, type CassandraTarget } from './connect.ts';
import { encodeRow, fullQuery, rangeQuery } from './row-codec.ts';
import { RowSum } from './row-hash.ts';
import type { TableSpec } from './table-spec.ts';
import type { TokenSplit } from './token-splits.ts';

/** Rows per page. */
export const FETCH_SIZE = 2000;

/** What a scan saw, filled in as pages arrive. */
export class ScanStats {
  readonly sum = new RowSum();
  maxWritetime: bigint | undefined;
  /** The coordinator that answered (the per-node marker). */
  host: string | undefined;
  bytes = 0;
}

export interface ScanOptions {
  readonly signal: AbortSignal;
  readonly hash: (s: string) => bigint;
  readonly stats: ScanStats;
  /** Called per page with its rows and encoded bytes. */
  readonly onPage?: (rows: number, bytes: number) => void;
  readonly fetchSize?: number;
}

/** One page of a scan: the result set and where to continue. */
export async function fetchPage(
  client: cassandra.Client,
  target: CassandraTarget,
  spec: TableSpec,
  split: TokenSplit | undefined,
  pageState: string | undefined,
  fetchSize = FETCH_SIZE,
): Promise<cassandra.types.ResultSet> {
  const Long = cassandra.types.Long;
  const params = split
    ? [Long.fromString(split.start.toString()), Long.fromString(split.end.toString())]
    : [];
  return run(
    client,
    target,
    `read ${spec.keyspace}.${spec.name}`,
    split ? rangeQuery(spec) : fullQuery(spec),
    params,
    { prepare: true, fetchSize, ...(pageState === undefined ? {} : { pageState }) },
  );
}

/**
 * Encode the rows of `first` and every following page into JSON lines. The static
 * cells of a partition are stored on its first row in this scan only.
 */
export async function* encodePages(
  client: cassandra.Client,
  target: CassandraTarget,
  spec: TableSpec,
  split: TokenSplit | undefined,
  first: cassandra.types.ResultSet,
  options: ScanOptions,
): AsyncGenerator<Buffer> {
  let page: cassandra.types.ResultSet | undefined = first;
  let lastPartition: string | undefined;
  const { stats, hash } = options;
  while (page !== undefined) {
    options.signal.throwIfAborted();
    stats.host ??= page.info.queriedHost;
    const next: Promise<cassandra.types.ResultSet> | undefined = page.pageState
      ? fetchPage(client, target, spec, split, page.pageState, options.fetchSize)
      : undefined;
    // Keep a rejected prefetch from being reported as unhandled while this page encodes.
    next?.catch(() => undefined);
    const lines: string[] = [];
    for (const row of page.rows) {
      const encoded = encodeRow(spec, row.values(), lastPartition);
      lastPartition = encoded.partition;
      lines.push(encoded.line);
      stats.sum.add(hash(encoded.canonical));
      if (
        encoded.maxWritetime !== undefined &&
        (stats.maxWritetime === undefined || encoded.maxWritetime > stats.maxWritetime)
      ) {
        stats.maxWritetime = encoded.maxWritetime;
      }
    }
    if (lines.length > 0) {
      const chunk = Buffer.from(lines.join('\n') + '\n');
      stats.bytes += chunk.length;
      options.onPage?.(lines.length, chunk.length);
      yield chunk;
    }
    page = next === undefined ? undefined : await next;
  }
}
