/**
 * Proof of the application-consistent cut with causally linked writers (DESIGN.md,
 * "Cross-service consistent cut"). One writer makes a causal chain across PostgreSQL and
 * MariaDB: A(n) in PostgreSQL references B(n-1) in MariaDB, B(n) in MariaDB references
 * A(n); each insert commits before the next one starts. So the chain crosses between the
 * servers in both directions, and a capture breaks causality whichever member it snapshots
 * first. While the writer runs, the group is backed up, restored into new databases
 * (verified against the capture fingerprints) and the restored copies are checked: every
 * captured B(n) has its A(n), every captured A(n) has its B(n-1).
 *
 * With `consistency: 'app'` no violation may appear. With `consistency: 'member'` (each
 * member captured alone, concurrently) violations are expected: the test asserts at least
 * one in a few attempts, so it fails if the two modes were not really different.
 *
 * The MongoDB-compatible server (FerretDB) is not part of this test: the mongodb adapter
 * has no snapshot pinning (FerretDB has no sessions or snapshot read concern), so the
 * planner refuses it in an application-consistent cut.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadsFromArguments } from '../../engine/model/index.ts';
import { LocalStore, Repository } from '../../engine/repository/index.ts';
import { loadEngineSetup, runBackup, runRestore, type EngineSetup } from '../../engine/runs/index.ts';
import {
  useServer,
  type MariadbServer,
  type PostgresServer,
  type SharedServer,
} from '../../testcontainers/index.ts';

const suffix = randomBytes(3).toString('hex');
const PG_DB = `proof_a_${suffix}`;
const MY_DB = `proof_b_${suffix}`;
const quiet = { signal: new AbortController().signal, onEvent: () => undefined };

interface Writer {
  /** Links written so far (A and B of the same n count as one). */
  readonly written: () => number;
  stop(): Promise<void>;
}

describe('causal proof of the cross-service cut (PostgreSQL → MariaDB → PostgreSQL …)', () => {
  let postgres: SharedServer<PostgresServer>;
  let mariadb: SharedServer<MariadbServer>;
  let setup: EngineSetup;
  let repo: Repository;
  let work: string;
  const created: { pg: string[]; my: string[] } = { pg: [], my: [] };

  const pgUrl = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;
  const myUrl = (db: string) => `mysql://${mariadb.user}@${mariadb.host}:${mariadb.port}/${db}`;
  const passwordFor = (member: string) => (member === 'a' ? postgres.password : mariadb.password);
  const pgClient = async (database: string) => {
    const client = new pg.Client({
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: postgres.password,
      database,
    });
    await client.connect();
    return client;
  };
  const myConn = () =>
    createConnection({
      host: mariadb.host,
      port: mariadb.port,
      user: mariadb.user,
      password: mariadb.password,
      multipleStatements: true,
    });

  /** Start the causal chain in a fresh pair of databases; it runs until stopped. */
  const startWriter = async (round: string): Promise<Writer & { pgDb: string; myDb: string }> => {
    const pgDb = `${PG_DB}_${round}`;
    const myDb = `${MY_DB}_${round}`;
    const admin = await pgClient('postgres');
    await admin.query(`CREATE DATABASE ${pgDb}`);
    await admin.end();
    created.pg.push(pgDb);
    const a = await pgClient(pgDb);
    await a.query('CREATE TABLE a (id bigint PRIMARY KEY, b_parent bigint NOT NULL)');
    const b: Connection = await myConn();
    await b.query(
      `CREATE DATABASE ${myDb}; USE ${myDb}; CREATE TABLE b (id BIGINT PRIMARY KEY, a_parent BIGINT NOT NULL)`,
    );
    created.my.push(myDb);
    let n = 0;
    const state = { running: true };
    const loop = (async () => {
      while (state.running) {
        const next = n + 1;
        // autocommit: each insert is committed before the next one is sent
        await a.query('INSERT INTO a (id, b_parent) VALUES ($1, $2)', [next, next - 1]);
        await b.query('INSERT INTO b (id, a_parent) VALUES (?, ?)', [next, next]);
        n = next;
      }
    })();
    // let the chain get going before any capture
    while (n < 50) await new Promise((r) => setTimeout(r, 10));
    return {
      pgDb,
      myDb,
      written: () => n,
      async stop() {
        state.running = false;
        await loop;
        await a.end();
        await b.end();
      },
    };
  };

  /** Back up the pair while the writer runs, restore into new databases, count violations. */
  const captureAndCheck = async (round: string, consistency: 'app' | 'member') => {
    const writer = await startWriter(round);
    let backupId: string;
    let before: number;
    let after: number;
    let fenceWindowMs: number | undefined;
    try {
      const workloads = workloadsFromArguments(
        [`a=${pgUrl(writer.pgDb)}`, `b=${myUrl(writer.myDb)}`],
        [],
        passwordFor,
      );
      before = writer.written();
      const { manifest, result } = await runBackup(
        { application: { name: `proof-${round}`, workloads }, options: { parallelism: 1, consistency } },
        setup,
        repo,
        quiet,
      );
      after = writer.written();
      backupId = manifest.backupId;
      fenceWindowMs = result.cut?.fenceWindowMs;
    } finally {
      await writer.stop();
    }
    const restoredPg = `${writer.pgDb}_r`;
    const restoredMy = `${writer.myDb}_r`;
    created.pg.push(restoredPg);
    created.my.push(restoredMy);
    // verify: true — throws unless the restored copies match the capture fingerprints
    const outcome = await runRestore(
      {
        backupId,
        only: [],
        targets: { a: pgUrl(restoredPg), b: myUrl(restoredMy) },
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
    const client = await pgClient(restoredPg);
    const aRows = (await client.query('SELECT id, b_parent FROM a')).rows as {
      id: string;
      b_parent: string;
    }[];
    await client.end();
    const conn = await myConn();
    const [bRows] = (await conn.query(`SELECT id, a_parent FROM ${restoredMy}.b`)) as unknown as [
      { id: string | number; a_parent: string | number }[],
    ];
    await conn.end();
    const aIds = new Set(aRows.map((r) => Number(r.id)));
    const bIds = new Set(bRows.map((r) => Number(r.id)));
    const bWithoutA = bRows.filter((r) => !aIds.has(Number(r.a_parent))).length;
    const aWithoutB = aRows.filter((r) => Number(r.b_parent) > 0 && !bIds.has(Number(r.b_parent))).length;
    return { before, after, captured: { a: aIds.size, b: bIds.size }, bWithoutA, aWithoutB, fenceWindowMs };
  };

  beforeAll(async () => {
    [postgres, mariadb] = await Promise.all([useServer('postgres'), useServer('mariadb')]);
    work = await mkdtemp(join(tmpdir(), 'lifeboat-proof-'));
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
    const conn = await myConn().catch(() => undefined);
    for (const db of created.my) await conn?.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await conn?.end();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('app consistency: no captured write lacks the write it causally follows, in either direction', async () => {
    for (let round = 0; round < 3; round++) {
      const r = await captureAndCheck(`app${round}`, 'app');
      process.stderr.write(`consistency-proof app: ${JSON.stringify(r)}\n`);
      // the writer really ran during the backup and beyond the cut
      expect(r.after, JSON.stringify(r)).toBeGreaterThan(r.before);
      expect(r.captured.a, JSON.stringify(r)).toBeLessThan(r.after);
      expect(r.captured.a, JSON.stringify(r)).toBeGreaterThanOrEqual(r.before);
      expect(r.fenceWindowMs).toBeGreaterThan(0);
      expect({ bWithoutA: r.bWithoutA, aWithoutB: r.aWithoutB }, JSON.stringify(r)).toEqual({
        bWithoutA: 0,
        aWithoutB: 0,
      });
      // a cut of a chain captures a prefix: the two sides differ by at most one link
      expect(Math.abs(r.captured.a - r.captured.b), JSON.stringify(r)).toBeLessThanOrEqual(1);
    }
  });

  it('member consistency: independent captures break the chain (the check can fail)', async () => {
    const seen: unknown[] = [];
    let violations = 0;
    for (let round = 0; round < 6 && violations === 0; round++) {
      const r = await captureAndCheck(`mem${round}`, 'member');
      process.stderr.write(`consistency-proof member: ${JSON.stringify(r)}\n`);
      seen.push(r);
      expect(r.fenceWindowMs).toBeUndefined();
      violations += r.bWithoutA + r.aWithoutB;
    }
    expect(violations, JSON.stringify(seen)).toBeGreaterThan(0);
  });
});
