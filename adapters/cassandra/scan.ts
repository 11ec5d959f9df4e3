/**
 * Scanning one token range of a table page by page (`fetchSize` rows per round trip).
 * Rows are encoded as the driver parses them off the socket (`eachRow`), so a page is
 * never held as row objects: each row's line is written straight into the output buffer
 * and its canonical encoding hashed, and the row is garbage at once. The stored line and
 * the fingerprint come from the same values the server returned, so a dump never reads a
 * table twice.
 */
import cassandra from 'cassandra-driver';
import { adapterError } from './errors.ts';
import type { CassandraTarget } from './connect.ts';
import { LineBuffer } from './line-buffer.ts';
import { encodeRow, fullQuery, LatestWritetime, rangeQuery } from './row-codec.ts';
import { RowSum } from './row-hash.ts';
import type { TableSpec } from './table-spec.ts';
import type { TokenSplit } from './token-splits.ts';

/** Rows per page. */
export const FETCH_SIZE = 2000;

/** What a scan saw, filled in as rows arrive. */
export class ScanStats {
  readonly sum = new RowSum();
  readonly latest = new LatestWritetime();
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
  /** Keep the encoded lines (a dump); false when only the fingerprint is wanted. */
  readonly lines?: boolean;
}

/** One page, already encoded. */
export interface EncodedPage {
  readonly chunks: readonly Buffer[];
  readonly rows: number;
  /** Where the next page starts; undefined on the last page. */
  readonly pageState: string | undefined;
}

/**
 * The scan of one split (or a whole table when `split` is undefined). The static cells of
 * a partition are stored on its first row in this scan only, so pages must be read in
 * order, one after the other (`interleave` does).
 */
export class TableScan {
  private lastPartition: string | undefined;
  private readonly client: cassandra.Client;
  private readonly target: CassandraTarget;
  private readonly spec: TableSpec;
  private readonly options: ScanOptions;
  private readonly query: string;
  private readonly params: unknown[];

  constructor(
    client: cassandra.Client,
    target: CassandraTarget,
    spec: TableSpec,
    split: TokenSplit | undefined,
    options: ScanOptions,
  ) {
    this.client = client;
    this.target = target;
    this.spec = spec;
    this.options = options;
    const Long = cassandra.types.Long;
    this.query = split ? rangeQuery(spec) : fullQuery(spec);
    this.params = split
      ? [Long.fromString(split.start.toString()), Long.fromString(split.end.toString())]
      : [];
  }

  /** Read and encode one page (the first when `pageState` is undefined). */
  page(pageState?: string): Promise<EncodedPage> {
    const { options, spec } = this;
    const { stats, hash } = options;
    options.signal.throwIfAborted();
    const out = options.lines === false ? undefined : new LineBuffer();
    let values: unknown[] = [];
    let rows = 0;
    let failure: Error | undefined;
    const onRow = (_n: number, row: cassandra.types.Row): void => {
      if (failure !== undefined) return;
      try {
        if (values.length === 0) values = new Array<unknown>(row.keys().length);
        for (let j = 0; j < values.length; j++) values[j] = row.get(j);
        const encoded = encodeRow(spec, values, this.lastPartition, stats.latest);
        this.lastPartition = encoded.partition;
        out?.push(encoded.line);
        stats.sum.add(hash(encoded.canonical));
        rows++;
      } catch (error) {
        failure = error instanceof Error ? error : new Error('encoding a row failed');
      }
    };
    const what = `read ${spec.keyspace}.${spec.name}`;
    return new Promise((resolve, reject) => {
      this.client.eachRow(
        this.query,
        this.params,
        {
          prepare: true,
          autoPage: false,
          fetchSize: options.fetchSize ?? FETCH_SIZE,
          ...(pageState === undefined ? {} : { pageState }),
        },
        onRow,
        (error, result) => {
          // The driver types the error as always present; it is null on success.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
          if (error) {
            reject(adapterError(what, this.target.site, error));
            return;
          }
          if (failure !== undefined) {
            reject(failure);
            return;
          }
          stats.host ??= result.info.queriedHost;
          const chunks = out?.take() ?? [];
          const bytes = chunks.reduce((n, c) => n + c.length, 0);
          stats.bytes += bytes;
          if (rows > 0) options.onPage?.(rows, bytes);
          // The driver types pageState as string, but the last page has null.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
          resolve({ chunks, rows, pageState: result.pageState ?? undefined });
        },
      );
    });
  }
}

/** A scan and its first page, read before deciding whether an artifact is needed. */
export interface FirstPage {
  readonly scan: TableScan;
  readonly page: EncodedPage;
}

/** Start several scans: their first pages, read concurrently. */
export function firstPages(scans: readonly TableScan[]): Promise<FirstPage[]> {
  return Promise.all(scans.map(async (scan) => ({ scan, page: await scan.page() })));
}

/**
 * The chunks of several scans (disjoint token ranges) written into one artifact: each
 * scan always has its next page in flight, and pages are taken in the order they
 * arrive. So one artifact stream keeps `firsts.length` range queries busy on the server
 * while the client encodes, with at most two pages per scan in memory. The rows of one
 * partition (always within one range) keep their order.
 */
export async function* interleave(firsts: readonly FirstPage[]): AsyncGenerator<Buffer> {
  const inFlight = new Map<TableScan, Promise<FirstPage>>();
  const read = (scan: TableScan, pageState: string): void => {
    const p = scan.page(pageState).then((page) => ({ scan, page }));
    // Keep a rejection from being reported as unhandled before it is awaited.
    p.catch(() => undefined);
    inFlight.set(scan, p);
  };
  for (const { scan, page } of firsts) if (page.pageState) read(scan, page.pageState);
  for (const { page } of firsts) yield* page.chunks;
  while (inFlight.size > 0) {
    const { scan, page } = await Promise.race(inFlight.values());
    inFlight.delete(scan);
    if (page.pageState) read(scan, page.pageState);
    yield* page.chunks;
  }
}
