/**
 * One MongoDB benchmark operation run as its own process by bench/nosql-mongodb.ts, so its
 * time and peak RSS are its own. Env: BENCH_MONGO (JSON: host, port, user, password),
 * BENCH_REPO (local repository directory), LIFEBOAT_REPO_KEY, BENCH_DB.
 * Modes: `lb-dump <parallelism>`, `lb-load <backupId> <target> <parallelism>`,
 * `native-dump <dir> <j> plain|gzip` (what mongodump does by default: raw-BSON cursors, `j`
 * collections at once, one `<collection>.bson` file each, gzipped with `gzip`),
 * `native-load <dir> <target>` (each file → unordered insertMany batches of 1000, one
 * collection at a time). Prints one JSON line, with the process's CPU seconds.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { BSON, MongoClient, type Document } from 'mongodb';
import { mongodbAdapter } from '../adapters/mongodb/index.ts';
import { bsonDocuments } from '../adapters/mongodb/bson-frames.ts';
import { LocalStore, Repository, loadKeySecret } from '../engine/repository/index.ts';
import { runPool } from '../adapters/mongodb/_pool.ts';
import { benchWorkload, printResult, serverFromEnv, silentProgress } from './_child-support.ts';

const info = serverFromEnv('BENCH_MONGO');
const db = process.env.BENCH_DB ?? 'bench';
const [mode = '', ...args] = process.argv.slice(2);
const workload = benchWorkload(
  'mongodb',
  info,
  `mongodb://${info.user}@${info.host}:${info.port}/?authSource=admin`,
  [db],
);
const progress = silentProgress;
const signal = new AbortController().signal;

function plainClient(): MongoClient {
  return new MongoClient(`mongodb://${info.host}:${info.port}/?authSource=admin`, {
    directConnection: true,
    auth: { username: info.user, password: info.password },
  });
}

const t0 = performance.now();
let out: Record<string, unknown>;
if (mode === 'lb-dump' || mode === 'lb-load') {
  const repo = await Repository.open(new LocalStore(process.env.BENCH_REPO ?? ''), { key: loadKeySecret() });
  if (mode === 'lb-dump') {
    const writer = await repo.startBackup({ app: 'bench', member: 'mongo' });
    const result = await mongodbAdapter.dump(workload, writer, {
      strategy: 'logical',
      parallelism: Number(args[0] ?? 2),
      signal,
      progress,
    });
    await writer.commit();
    out = { backupId: writer.backupId, fingerprint: result.fingerprint };
  } else {
    const [backupId = '', target = '', parallelism = '2'] = args;
    await mongodbAdapter.load(workload, await repo.source(backupId, 'mongo'), {
      rename: { [db]: target },
      force: true,
      parallelism: Number(parallelism),
      signal,
      progress,
    });
    out = { target };
  }
} else if (mode === 'native-dump') {
  const [dir = '', j = '4', compression = 'plain'] = args;
  const gzip = compression === 'gzip';
  mkdirSync(dir, { recursive: true });
  const client = plainClient();
  let docs = 0;
  const names = (await client.db(db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  await runPool(names, Number(j), async (name) => {
    const cursor = client.db(db).collection(name).find({}, { raw: true, enableUtf8Validation: false });
    const file = createWriteStream(join(dir, `${name}.bson${gzip ? '.gz' : ''}`));
    async function* documents(): AsyncGenerator<Buffer> {
      for await (const raw of cursor) {
        docs++;
        yield raw as unknown as Buffer;
      }
    }
    await (gzip ? pipeline(documents(), createGzip(), file) : pipeline(documents(), file));
  });
  await client.close();
  out = { docs };
} else if (mode === 'native-load') {
  const [dir = '', target = ''] = args;
  const client = plainClient();
  let docs = 0;
  for (const name of readdirSync(dir).sort()) {
    const coll = client.db(target).collection(name.replace(/\.bson(\.gz)?$/, ''));
    const input = createReadStream(join(dir, name));
    const bytes = name.endsWith('.gz') ? input.pipe(createGunzip()) : input;
    let batch: Document[] = [];
    for await (const raw of bsonDocuments(bytes)) {
      batch.push(BSON.deserialize(raw, { promoteValues: false, promoteBuffers: false, bsonRegExp: true }));
      if (batch.length >= 1000) {
        await coll.insertMany(batch, { ordered: false });
        docs += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) await coll.insertMany(batch, { ordered: false });
    docs += batch.length;
  }
  await client.close();
  out = { docs };
} else {
  throw new Error(`unknown mode ${mode}`);
}
const cpu = process.cpuUsage();
printResult({ ...out, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, t0);
