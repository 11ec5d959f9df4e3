/**
 * One MongoDB benchmark operation run as its own process by bench/nosql-mongodb.ts, so its
 * time and peak RSS are its own. Env: BENCH_MONGO (JSON: host, port, user, password),
 * BENCH_REPO (local repository directory), LIFEBOAT_REPO_KEY, BENCH_DB.
 * Modes: `lb-dump <parallelism>`, `lb-load <backupId> <target> <parallelism>`,
 * `native-dump <file>` (driver find() → BSON file, one stream), `native-load <file> <target>`
 * (file → insertMany batches of 1000, one stream). Prints one JSON line.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { BSON, MongoClient, type Document } from 'mongodb';
import { mongodbAdapter } from '../adapters/mongodb/index.ts';
import { bsonDocuments } from '../adapters/mongodb/bson-frames.ts';
import { LocalStore, Repository, loadKeySecret } from '../engine/repository/index.ts';
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
  const client = plainClient();
  const file = createWriteStream(args[0] ?? '');
  let docs = 0;
  for (const c of await client.db(db).listCollections({}, { nameOnly: true }).toArray()) {
    for await (const doc of client.db(db).collection(c.name).find()) {
      if (!file.write(BSON.serialize(doc))) await once(file, 'drain');
      docs++;
    }
  }
  file.end();
  await once(file, 'finish');
  await client.close();
  out = { docs };
} else if (mode === 'native-load') {
  // The baseline file has no collection boundaries of its own, so it loads into one
  // collection per run: the same documents, the same batches.
  const [file = '', target = ''] = args;
  const client = plainClient();
  const coll = client.db(target).collection('orders');
  let batch: Document[] = [];
  let docs = 0;
  for await (const raw of bsonDocuments(createReadStream(file))) {
    batch.push(BSON.deserialize(raw));
    if (batch.length >= 1000) {
      await coll.insertMany(batch);
      docs += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await coll.insertMany(batch);
  docs += batch.length;
  await client.close();
  out = { docs };
} else {
  throw new Error(`unknown mode ${mode}`);
}
printResult(out, t0);
