/**
 * The snapshot strategy against the real Cassandra (nodetool over its JMX port): a backup
 * through the built-in blueprint (flush + snapshot, SSTables and schema.cql streamed into
 * the repository, clearsnapshot in the defer phase), restored with `nodetool import` into
 * a renamed keyspace and into the truncated original: every cell's value and WRITETIME
 * equal, TTLs still counting down, fingerprints equal. The snapshot is cleared after a
 * backup that succeeds and after one that fails after the snapshot was taken.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSPATH_ENV } from '../../../adapters/cassandra/nodetool.ts';
import type { RunEvent } from '../../../engine/executor/index.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { LocalStore, Repository, type Manifest } from '../../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runRestore, type EngineSetup } from '../../../engine/runs/index.ts';
import { useServer, type CassandraServer, type SharedServer } from '../../../testcontainers/index.ts';
import { seedCorpus } from './_corpus.ts';
import { clientFor, tableState, uniqueKeyspace } from './_helpers.ts';

const TABLES = ['Items', 'counts', 'events'];
const run = { signal: AbortSignal.timeout(600_000), onEvent: (_e: RunEvent) => undefined };

type State = Awaited<ReturnType<typeof tableState>>;

/** Cells with the TTL left out (it counts down between two reads); TTLs checked separately. */
function withoutTtl(state: State): Map<string, Record<string, { value: string; writetime: string }>> {
  return new Map(
    [...state].map(([key, cells]) => [
      key,
      Object.fromEntries(
        Object.entries(cells).map(([c, v]) => [c, { value: v.value, writetime: v.writetime }]),
      ),
    ]),
  );
}

function ttls(state: State): number[] {
  return [...state.values()].flatMap((cells) =>
    Object.values(cells)
      .map((c) => Number(c.ttl))
      .filter((n) => Number.isFinite(n) && n > 0),
  );
}

describe('cassandra snapshot strategy', () => {
  let server: SharedServer<CassandraServer>;
  let client: cassandra.Client;
  let setup: EngineSetup;
  let dir: string;
  let repository: Repository;
  const source = uniqueKeyspace('lb_snap');
  const copy = uniqueKeyspace('lb_snap_copy');
  const before = new Map<string, State>();
  const was = (table: string): State =>
    before.get(table) ?? new Map<string, State extends Map<string, infer V> ? V : never>();
  let manifest: Manifest;

  const workload = (keyspaces: string[]): Workload => ({
    name: 'events',
    engine: 'cassandra',
    primary: {
      host: server.host,
      port: server.port,
      role: 'primary',
      url: `cassandra://${server.user}@${server.host}:${server.port}/?dc=${server.localDataCenter}&jmx=${server.jmxPort}`,
    },
    replicas: [],
    databases: keyspaces,
    credentials: { username: server.user, password: server.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  });
  /** Snapshot directories (any tag) left under a keyspace's tables on the node. */
  const snapshotsLeft = async (keyspace: string): Promise<string[]> => {
    const root = join(server.dataDir, 'data', 'data', keyspace);
    const left: string[] = [];
    for (const table of await readdir(root).catch(() => [])) {
      for (const tag of await readdir(join(root, table, 'snapshots')).catch(() => []))
        left.push(`${table}/${tag}`);
    }
    return left;
  };
  const backup = (s: EngineSetup) =>
    runBackup(
      {
        application: { name: 'events', workloads: [workload([source])] },
        options: { strategy: 'snapshot', parallelism: 2 },
      },
      s,
      repository,
      run,
    );

  beforeAll(async () => {
    server = await useServer('cassandra');
    if (server.external) return;
    process.env[CLASSPATH_ENV] = server.classpath;
    client = await clientFor(server);
    setup = await loadEngineSetup();
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-cassandra-snapshot-'));
    await Repository.init(new LocalStore(dir));
    repository = await Repository.open(new LocalStore(dir));
    await seedCorpus(client, source);
    for (const t of TABLES) before.set(t, await tableState(client, source, t));
    expect(ttls(was('Items')).length).toBeGreaterThan(0);
    ({ manifest } = await backup(setup));
  }, 600_000);
  afterAll(async () => {
    if (server.external) return;
    for (const ks of [source, copy])
      await client.execute(`DROP KEYSPACE IF EXISTS "${ks}"`).catch(() => undefined);
    await client.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('records the snapshot in the manifest and clears it on the node', async () => {
    if (server.external) return; // nodetool needs the local node's JMX port and files
    const member = manifest.members[0];
    if (!member) throw new Error('no member in the manifest');
    expect(member.details.strategy).toBe('snapshot');
    expect(member.details.format).toBe('lifeboat-cassandra-snapshot/1');
    expect(Number(member.details.snapshotFiles)).toBeGreaterThan(TABLES.length);
    expect(member.markers.map((m) => m.kind)).toEqual(['snapshot', 'snapshotAt']);
    expect(Object.keys(member.fingerprint ?? {}).sort()).toEqual(TABLES.map((t) => `${source}.${t}`).sort());
    const artifacts = await (await repository.source(manifest.backupId, 'events')).list();
    expect(artifacts).toContain(`schema/${source}.cql`);
    expect(artifacts.some((a) => a.startsWith(`sstables/${source}/Items/`) && a.endsWith('-Data.db'))).toBe(
      true,
    );
    expect(artifacts.some((a) => a === `sstables/${source}/Items/schema.cql`)).toBe(true);
    expect(await snapshotsLeft(source)).toEqual([]);
  });

  it('restores into a renamed keyspace: values, WRITETIME and TTL equal, fingerprints verified', async () => {
    if (server.external) return;
    const outcome = await runRestore(
      {
        backupId: manifest.backupId,
        only: [],
        targets: { events: workload([]).primary.url.replace('/?', `/${copy}?`) },
        force: false,
        verify: true,
        parallelism: 2,
        passwordFor: () => server.password,
      },
      setup,
      repository,
      run,
    );
    expect(outcome.restore.status).toBe('succeeded');
    expect(outcome.verify?.status).toBe('succeeded');
    for (const t of TABLES) {
      const restored = await tableState(client, copy, t);
      const original = was(t);
      expect(restored.size, t).toBe(original.size);
      expect(withoutTtl(restored), t).toEqual(withoutTtl(original));
      // TTLs are stored as expiry times: they keep counting down, never grow.
      const [then, now] = [ttls(original), ttls(restored)];
      expect(now.length, t).toBe(then.length);
      now.forEach((ttl, i) => {
        expect(ttl).toBeLessThanOrEqual(then[i] ?? 0);
        expect(ttl).toBeGreaterThan((then[i] ?? 0) - 600);
      });
    }
  });

  it('restores into the truncated original tables, and refuses non-empty ones without force', async () => {
    if (server.external) return;
    const restore = (force: boolean) =>
      runRestore(
        {
          backupId: manifest.backupId,
          only: [],
          targets: {},
          force,
          verify: true,
          parallelism: 2,
          passwordFor: () => server.password,
        },
        setup,
        repository,
        run,
      );
    await expect(restore(false)).rejects.toThrow(/not empty/);
    for (const t of TABLES) await client.execute(`TRUNCATE "${source}"."${t}"`);
    expect((await tableState(client, source, 'Items')).size).toBe(0);
    const outcome = await restore(false);
    expect(outcome.verify?.status).toBe('succeeded');
    for (const t of TABLES)
      expect(withoutTtl(await tableState(client, source, t)), t).toEqual(withoutTtl(was(t)));
  });

  it('clears the snapshot when the backup fails after taking it (defer phase)', async () => {
    if (server.external) return;
    const builtin = setup.blueprintsByEngine.cassandra?.file ?? '';
    const text = (await import('node:fs/promises')).readFile(join(process.cwd(), builtin), 'utf8');
    const failing = (await text).replace(
      '        - name: dump\n',
      `        - name: boom
          func: assert
          args: { that: false, message: injected failure after the snapshot }
        - name: dump\n`,
    );
    expect(failing).toContain('injected failure');
    const file = join(dir, 'cassandra-failing.yaml');
    await writeFile(file, failing.replace('name: cassandra\n', 'name: cassandra-failing\n'));
    await expect(backup(await loadEngineSetup([file]))).rejects.toThrow(
      /injected failure after the snapshot/,
    );
    expect(await snapshotsLeft(source)).toEqual([]);
  });
});
