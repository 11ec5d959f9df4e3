/**
 * A Cassandra member in an application-consistent cut. Cassandra can neither be fenced nor
 * pin a read snapshot, so the cut reads it whole inside the PostgreSQL member's fence
 * window (guarantee `causal-in-window`, engine/planner/plan-cut.ts). One writer makes a
 * causal chain crossing both ways, each write acknowledged before the next starts: A(n)
 * in PostgreSQL references K(n-1), K(n) in Cassandra (LOCAL_QUORUM) references A(n).
 * After backup and restore (verified against the capture fingerprints): every captured K
 * has its A and every captured A has its K with `app`; `member` (independent captures)
 * breaks the chain within a few attempts, so the check can fail.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadsFromArguments } from '../../engine/model/index.ts';
import { LocalStore, Repository } from '../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runRestore, type EngineSetup } from '../../engine/runs/index.ts';
import {
  useServer,
  type CassandraServer,
  type PostgresServer,
  type SharedServer,
} from '../../testcontainers/index.ts';
import { pgConnect } from '../_support/sql.ts';

const suffix = randomBytes(3).toString('hex');
const quiet = { signal: new AbortController().signal, onEvent: () => undefined };
const QUORUM = cassandra.types.consistencies.localQuorum;

describe('causal proof of the cut with a Cassandra member (PostgreSQL ⇄ Cassandra)', () => {
  let postgres: SharedServer<PostgresServer>;
  let cass: SharedServer<CassandraServer>;
  let client: cassandra.Client;
  let setup: EngineSetup;
  let repo: Repository;
  let work: string;
  const created: { pg: string[]; ks: string[] } = { pg: [], ks: [] };

  const pgUrl = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;
  const ksUrl = (ks: string) =>
    `cassandra://${cass.user}@${cass.host}:${cass.port}/${ks}?dc=${cass.localDataCenter}`;
  const passwordFor = (member: string) => (member === 'a' ? postgres.password : cass.password);
  const pgClient = (database: string) => pgConnect(postgres, database);

  const captureAndCheck = async (round: string, consistency: 'app' | 'member') => {
    const pgDb = `proofk_a_${suffix}_${round}`;
    const ks = `proofk_k_${suffix}_${round}`;
    const admin = await pgClient('postgres');
    await admin.query(`CREATE DATABASE ${pgDb}`);
    await admin.end();
    created.pg.push(pgDb, `${pgDb}_r`);
    created.ks.push(ks, `${ks}_r`);
    const a = await pgClient(pgDb);
    await a.query('CREATE TABLE a (id bigint PRIMARY KEY, k_parent bigint NOT NULL)');
    await client.execute(
      `CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${ks}.k (id bigint PRIMARY KEY, a_parent bigint)`);
    const insertK = `INSERT INTO ${ks}.k (id, a_parent) VALUES (?, ?)`;
    await client.execute(insertK, [0, 0], { prepare: true, consistency: QUORUM });
    let n = 0;
    const state = { running: true };
    const loop = (async () => {
      while (state.running) {
        const next = n + 1;
        await a.query('INSERT INTO a (id, k_parent) VALUES ($1, $2)', [next, next - 1]);
        await client.execute(insertK, [next, next], { prepare: true, consistency: QUORUM });
        n = next;
      }
    })();
    while (n < 30) await new Promise((r) => setTimeout(r, 10));
    let backupId: string;
    let guarantees: Record<string, string | undefined>;
    let fenceWindowMs: number | undefined;
    const before = n;
    try {
      const workloads = workloadsFromArguments([`a=${pgUrl(pgDb)}`, `k=${ksUrl(ks)}`], [], passwordFor);
      const { manifest, result } = await runBackup(
        { application: { name: `proofk-${round}`, workloads }, options: { parallelism: 1, consistency } },
        setup,
        repo,
        quiet,
      );
      backupId = manifest.backupId;
      guarantees = Object.fromEntries(manifest.members.map((m) => [m.name, m.guarantee]));
      fenceWindowMs = result.cut?.fenceWindowMs;
    } finally {
      state.running = false;
      await loop;
      await a.end();
    }
    const after = n;
    const outcome = await runRestore(
      {
        backupId,
        only: [],
        targets: { a: pgUrl(`${pgDb}_r`), k: ksUrl(`${ks}_r`) },
        force: false,
        verify: true,
        parallelism: 1,
        passwordFor,
      },
      setup,
      repo,
      quiet,
    );
    expect(outcome.verify?.status).toBe('succeeded');
    const r = await pgClient(`${pgDb}_r`);
    const aRows = (await r.query('SELECT id, k_parent FROM a')).rows as { id: string; k_parent: string }[];
    await r.end();
    const kRows = (await client.execute(`SELECT id, a_parent FROM ${ks}_r.k`, [], { consistency: QUORUM }))
      .rows;
    const aIds = new Set(aRows.map((row) => Number(row.id)));
    const kIds = new Set(kRows.map((row) => Number(row.id)));
    const kWithoutA = kRows.filter((row) => Number(row.id) > 0 && !aIds.has(Number(row.a_parent))).length;
    const aWithoutK = aRows.filter((row) => !kIds.has(Number(row.k_parent))).length;
    return {
      before,
      after,
      captured: { a: aIds.size, k: kIds.size - 1 },
      kWithoutA,
      aWithoutK,
      fenceWindowMs,
      guarantees,
    };
  };

  beforeAll(async () => {
    [postgres, cass] = await Promise.all([useServer('postgres'), useServer('cassandra')]);
    client = new cassandra.Client({
      contactPoints: [`${cass.host}:${cass.port}`],
      localDataCenter: cass.localDataCenter,
      credentials: { username: cass.user, password: cass.password },
      socketOptions: { readTimeout: 60_000 },
    });
    await client.connect();
    work = await mkdtemp(join(tmpdir(), 'lifeboat-proofk-'));
    const store = new LocalStore(join(work, 'repo'));
    await Repository.init(store);
    repo = await Repository.open(store);
    setup = await loadEngineSetup();
  });

  afterAll(async () => {
    const admin = await pgClient('postgres').catch(() => undefined);
    for (const db of created.pg)
      await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
    for (const ks of created.ks) await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
    await client.shutdown();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('app consistency: Cassandra read inside the fence window, no effect without its cause', async () => {
    for (let round = 0; round < 2; round++) {
      const r = await captureAndCheck(`app${round}`, 'app');
      process.stderr.write(`consistency-proof-cassandra app: ${JSON.stringify(r)}\n`);
      const why = JSON.stringify(r);
      expect(r.guarantees).toEqual({ a: 'causal', k: 'causal-in-window' });
      expect(r.fenceWindowMs).toBeGreaterThan(0);
      expect(r.after, why).toBeGreaterThan(r.before);
      expect({ kWithoutA: r.kWithoutA, aWithoutK: r.aWithoutK }, why).toEqual({ kWithoutA: 0, aWithoutK: 0 });
      expect(r.captured.a - r.captured.k, why).toBeGreaterThanOrEqual(0);
      expect(r.captured.a - r.captured.k, why).toBeLessThanOrEqual(1);
    }
  });

  it('member consistency: independent captures break the chain (the check can fail)', async () => {
    const seen: unknown[] = [];
    let violations = 0;
    for (let round = 0; round < 5 && violations === 0; round++) {
      const r = await captureAndCheck(`mem${round}`, 'member');
      process.stderr.write(`consistency-proof-cassandra member: ${JSON.stringify(r)}\n`);
      seen.push(r);
      expect(r.guarantees).toEqual({ a: 'point-in-time', k: 'unpinned' });
      violations += r.kWithoutA + r.aWithoutK;
    }
    expect(violations, JSON.stringify(seen)).toBeGreaterThan(0);
  });
});
