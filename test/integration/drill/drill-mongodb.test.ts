/**
 * A drill of a MongoDB member on the MongoDB-compatible test server (FerretDB): restore
 * into a scratch database, fingerprints compared, scratch database dropped, and a changed
 * scratch copy fails the drill naming the collection.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadsFromArguments } from '../../../engine/model/index.ts';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runDrill, type EngineSetup } from '../../../engine/runs/index.ts';
import { useServer, type FerretdbServer, type SharedServer } from '../../../testcontainers/index.ts';

const DB = `drill_docs_${randomBytes(3).toString('hex')}`;
const quiet = { signal: new AbortController().signal, onEvent: () => undefined };

describe('lifeboat drill on a MongoDB-compatible server', () => {
  let server: SharedServer<FerretdbServer>;
  let client: MongoClient;
  let work: string;
  let repo: Repository;
  let setup: EngineSetup;
  let backupId: string;
  const passwordFor = () => server.password;
  const scratchLeft = async () =>
    (await client.db('admin').admin().listDatabases()).databases
      .map((d) => d.name)
      .filter((n) => n.startsWith(`${DB}_drill_`));

  beforeAll(async () => {
    server = await useServer('ferretdb');
    client = new MongoClient(`mongodb://${server.host}:${server.port}/?authSource=admin`, {
      directConnection: true,
      auth: { username: server.user, password: server.password },
    });
    await client.connect();
    await client
      .db(DB)
      .collection<{ _id: number; kind: string; at: Date }>('events')
      .insertMany(
        Array.from({ length: 300 }, (_, i) => ({ _id: i, kind: `k${i % 7}`, at: new Date(1e12 + i) })),
      );
    work = await mkdtemp(join(tmpdir(), 'lifeboat-drill-mongo-'));
    const store = new LocalStore(join(work, 'repo'));
    await Repository.init(store);
    repo = await Repository.open(store);
    setup = await loadEngineSetup();
    const workloads = workloadsFromArguments(
      [`docs=mongodb://${server.user}@${server.host}:${server.port}/${DB}?authSource=admin`],
      [],
      passwordFor,
    );
    const { manifest } = await runBackup(
      { application: { name: 'docs', workloads }, options: { parallelism: 1, consistency: 'member' } },
      setup,
      repo,
      quiet,
    );
    backupId = manifest.backupId;
  });

  afterAll(async () => {
    await client
      .db(DB)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('passes and drops the scratch database', async () => {
    const report = await runDrill(
      { backupId, scratch: {}, keep: false, parallelism: 1, passwordFor },
      setup,
      repo,
      quiet,
    );
    expect(report.passed, JSON.stringify(report)).toBe(true);
    expect(report.members[0]?.cleanup).toBe('dropped');
    expect(report.members[0]?.verify.tables).toBe(1);
    expect(await scratchLeft()).toEqual([]);
  });

  it('fails naming the collection when the scratch copy differs', async () => {
    const tag = randomBytes(3).toString('hex');
    const report = await runDrill(
      {
        backupId,
        scratch: {},
        keep: false,
        parallelism: 1,
        passwordFor,
        tag,
        beforeVerify: async () => {
          await client
            .db(`${DB}_drill_${tag}`)
            .collection('events')
            .deleteOne({ _id: 3 } as never);
        },
      },
      setup,
      repo,
      quiet,
    );
    expect(report.passed).toBe(false);
    expect(report.members[0]?.differences.map((d) => [d.table, d.expected?.rows, d.actual?.rows])).toEqual([
      [`${DB}.events`, 300, 299],
    ]);
    expect(await scratchLeft()).toEqual([]);
  });
});
