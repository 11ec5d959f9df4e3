/**
 * The application-consistent cut against REAL servers (PostgreSQL + MariaDB): the executor
 * fences and pins both, releases the fences, and only then runs the blueprints. A phase
 * that writes a row into each database AFTER the cut and BEFORE the dump proves that the
 * dump reads the snapshot pinned at the cut: the row is live but not in the capture.
 */
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.ts';
import { loadBlueprintText } from '../../../engine/blueprint/index.ts';
import { execute, type RunEvent } from '../../../engine/executor/index.ts';
import { buildRegistry, defineFunction } from '../../../engine/functions/index.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { plan } from '../../../engine/planner/index.ts';
import {
  useServer,
  type MariadbServer,
  type PostgresServer,
  type SharedServer,
} from '../../../testcontainers/index.ts';
import { recordingSink } from '../../unit/functions/fakes.ts';
import { myQuery as myQueryOn, pgQuery as pgQueryOn } from '../../_support/sql.ts';

const suffix = Math.random().toString(36).slice(2, 8);
const PG_DB = `cut_pg_${suffix}`;
const MY_DB = `cut_my_${suffix}`;

/** Inserts one row into the member's database: stands for a write racing the backup. */
const writeRow = defineFunction({
  name: 'test.writeRow',
  description: 'insert one row after the cut (test only)',
  args: z.strictObject({}),
  outputs: [],
  async exec(_args, ctx) {
    const w = ctx.workload;
    const { username, password } = w.credentials;
    if (w.engine === 'postgres') {
      const client = new pg.Client({
        host: w.primary.host,
        port: w.primary.port,
        user: username,
        password,
        database: w.databases[0],
      });
      await client.connect();
      await client.query('INSERT INTO t VALUES (1000)');
      await client.end();
    } else {
      const conn = await createConnection({
        host: w.primary.host,
        port: w.primary.port,
        user: username,
        password: password ?? '',
      });
      await conn.query(`INSERT INTO ${w.databases[0] ?? ''}.t VALUES (1000)`);
      await conn.end();
    }
    return {};
  },
});

const blueprint = (engine: 'postgres' | 'mysql') => `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: cut-${engine} }
spec:
  engine: ${engine}
  actions:
    backup:
      phases:
        - { name: write, func: test.writeRow }
        - name: dump
          func: ${engine}.dump
          args: { strategy: logical, snapshot: "\${{ backup.snapshot }}" }
`;

describe('application-consistent cut on real servers', () => {
  let pgServer: SharedServer<PostgresServer>;
  let myServer: SharedServer<MariadbServer>;
  const registry = buildRegistry(adapters.values(), [writeRow]);

  const pgQuery = (database: string, sql: string) => pgQueryOn(pgServer, database, sql);
  const myQuery = (sql: string) => myQueryOn(myServer, sql);
  const workload = (
    name: string,
    engine: 'postgres' | 'mysql',
    s: { host: string; port: number; user: string; password: string },
    db: string,
  ): Workload => ({
    name,
    engine,
    primary: {
      host: s.host,
      port: s.port,
      role: 'primary',
      url: `${engine}://${s.user}@${s.host}:${s.port}/`,
    },
    replicas: [],
    databases: [db],
    credentials: { username: s.user, password: s.password },
    annotations: {},
    pvcs: [],
    source: 'url',
  });

  beforeAll(async () => {
    [pgServer, myServer] = await Promise.all([useServer('postgres'), useServer('mariadb')]);
    await pgQuery('postgres', `CREATE DATABASE ${PG_DB}`);
    await pgQuery(PG_DB, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)');
    await myQuery(
      `CREATE DATABASE ${MY_DB}; CREATE TABLE ${MY_DB}.t (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO ${MY_DB}.t SELECT seq FROM ${MY_DB}.seq_1_to_100`,
    );
  });

  afterAll(async () => {
    await pgQuery('postgres', `DROP DATABASE IF EXISTS ${PG_DB}`).catch(() => undefined);
    await myQuery(`DROP DATABASE IF EXISTS ${MY_DB}`).catch(() => undefined);
  });

  it('dumps read the snapshots pinned at the cut, not what was written after it', async () => {
    const p = plan({
      application: {
        name: 'shop',
        workloads: [
          workload('orders', 'postgres', pgServer, PG_DB),
          workload('billing', 'mysql', myServer, MY_DB),
        ],
      },
      blueprintsByEngine: {
        postgres: loadBlueprintText(blueprint('postgres'), 'cut-postgres.yaml', registry),
        mysql: loadBlueprintText(blueprint('mysql'), 'cut-mysql.yaml', registry),
      },
      capabilitiesByEngine: Object.fromEntries([...adapters.values()].map((a) => [a.engine, a.capabilities])),
      registry,
      backup: { id: 'cut-test', startedAt: new Date().toISOString() },
      options: { consistency: 'app', freezeDeadline: '10s' },
    });
    expect(p.cut?.members).toEqual([
      { name: 'orders', fence: true, capture: 'pin', guarantee: 'causal' },
      { name: 'billing', fence: false, capture: 'pin', guarantee: 'causal' },
    ]);
    const events: RunEvent[] = [];
    const result = await execute(p, {
      registry,
      artifacts: { sink: () => recordingSink() },
      onEvent: (e) => events.push(e),
    });
    expect(result.members.map((m) => [m.member, m.status, m.error?.message])).toEqual([
      ['orders', 'succeeded', undefined],
      ['billing', 'succeeded', undefined],
    ]);
    const fingerprint = (member: string) =>
      result.members.find((m) => m.member === member)?.outputs.dump?.fingerprint as Record<
        string,
        { rows: number }
      >;
    expect(fingerprint('orders')[`${PG_DB}.public.t`]?.rows).toBe(100);
    expect(fingerprint('billing')[`${MY_DB}.t`]?.rows).toBe(100);
    // The rows written after the cut are live: the dumps did not see them.
    expect(await pgQuery(PG_DB, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 101 }]);
    expect(await myQuery(`SELECT count(*) AS n FROM ${MY_DB}.t`)).toEqual([{ n: 101 }]);
    expect(result.cut?.status).toBe('succeeded');
    const window = result.cut?.fenceWindowMs ?? -1;
    const cutEnd = events.find((e) => e.type === 'cut.end');
    const steps =
      cutEnd?.type === 'cut.end' ? cutEnd.steps.map((s) => `${s.member}.${s.op} ${s.ms}ms`).join(', ') : '';
    console.log(`fence window of the cut (PostgreSQL fenced, MariaDB pinned last): ${window} ms (${steps})`);
    expect(window).toBeGreaterThan(0);
    // A sanity bound only: on a loaded 2-core machine the window varies (printed above).
    expect(window).toBeLessThan(5000);
    expect(events.filter((e) => e.type === 'warning')).toEqual([]);
  });
});
