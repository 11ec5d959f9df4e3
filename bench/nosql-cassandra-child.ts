/**
 * One export run of the Cassandra benchmark in its own process (so its peak RSS is its
 * own): `adapter` runs the adapter's parallel token-range dump; `single-same` and
 * `single-star` are single-threaded paging exports with the same driver (one query, page
 * after page, each row written as a JSON line): `single-same` runs the adapter's own
 * SELECT (values, WRITETIME and TTL of every cell: the same information), `single-star` a
 * plain `SELECT *`. All write their output to files under BENCH_OUT. Connection details
 * come from the environment (the password never in argv). Prints one JSON line.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cassandra from 'cassandra-driver';
import { readKeyspace } from '../adapters/cassandra/catalog.ts';
import { resolveTarget } from '../adapters/cassandra/connect.ts';
import { cassandraAdapter } from '../adapters/cassandra/index.ts';
import { fullQuery } from '../adapters/cassandra/row-codec.ts';
import type { ArtifactSink } from '../adapters/types.ts';
import { benchWorkload, silentProgress } from './_child-support.ts';
import { peakRssKiB } from './_peak-rss.ts';

const mode = process.argv[2];
const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const host = env('BENCH_HOST');
const port = Number(env('BENCH_PORT'));
const user = env('BENCH_USER');
const password = env('BENCH_PASSWORD');
const keyspace = env('BENCH_KEYSPACE');
const out = env('BENCH_OUT');
const parallelism = Number(process.env.BENCH_PARALLELISM ?? 2);

const fileSink: ArtifactSink = {
  async put(name, data) {
    const file = join(out, name);
    await mkdir(dirname(file), { recursive: true });
    let bytes = 0;
    const source = data instanceof Readable ? data : Readable.from(data);
    source.on('data', (c: Uint8Array) => (bytes += c.length));
    await pipeline(source, createWriteStream(file));
    return { bytes };
  },
};

const workload = benchWorkload(
  'cassandra',
  { host, port, user, password },
  `cassandra://${user}@${host}:${port}/?dc=datacenter1`,
  [keyspace],
);

/** The query of a single-threaded export: the adapter's own SELECT of the table, or `SELECT *`. */
async function singleQuery(client: cassandra.Client, same: boolean): Promise<string> {
  if (!same) return `SELECT * FROM "${keyspace}".items`;
  const ks = await readKeyspace(client, resolveTarget(workload), keyspace);
  const spec = ks.tables.find((t) => t.name === 'items');
  if (spec === undefined) throw new Error(`${keyspace}.items not found`);
  return fullQuery(spec);
}

const t0 = performance.now();
let rows = 0;
if (mode === 'adapter') {
  const result = await cassandraAdapter.dump(workload, fileSink, {
    strategy: 'logical',
    parallelism,
    signal: AbortSignal.timeout(3_600_000),
    progress: silentProgress,
  });
  rows = Object.values(result.fingerprint).reduce((n, f) => n + f.rows, 0);
} else if (mode === 'single-same' || mode === 'single-star') {
  const client = new cassandra.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: 'datacenter1',
    credentials: { username: user, password },
    socketOptions: { readTimeout: 120_000 },
  });
  await client.connect();
  const query = await singleQuery(client, mode === 'single-same');
  await mkdir(out, { recursive: true });
  const file = createWriteStream(join(out, 'single.jsonl'));
  let pageState: string | undefined;
  do {
    const rs = await client.execute(query, [], {
      prepare: true,
      fetchSize: 2000,
      ...(pageState === undefined ? {} : { pageState }),
    });
    const lines = rs.rows.map((r) => JSON.stringify(r)).join('\n');
    rows += rs.rows.length;
    if (!file.write(lines + '\n'))
      await new Promise<void>((r) =>
        file.once('drain', () => {
          r();
        }),
      );
    // The driver types pageState as string, but the last page has null.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    pageState = rs.pageState ?? undefined;
  } while (pageState);
  await new Promise<void>((r) =>
    file.end(() => {
      r();
    }),
  );
  await client.shutdown();
} else {
  throw new Error('usage: nosql-cassandra-child.ts adapter|single-same|single-star');
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    mode,
    rows,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssMib: Math.round(peakRssKiB() / 1024),
  }),
);
