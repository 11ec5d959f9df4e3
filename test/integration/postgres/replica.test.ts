/**
 * Replica strategy against a real streaming standby: the dump reads the standby only.
 * Proofs: (1) with the workload's primary endpoint pointing at a closed port the dump
 * still succeeds; (2) with the real primary endpoint, polling the primary's
 * pg_stat_activity during the dump never sees the backup role; (3) a "replica" endpoint
 * that is in fact a primary is refused. The capture restores with an equal fingerprint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../../../testcontainers/index.ts';
import { postgresAdapter } from '../../../adapters/postgres/index.ts';
import { AdapterError } from '../../../engine/errors.ts';
import { CORPUS_SQL } from './corpus.ts';
import {
  caughtUp,
  createDatabase,
  endpointOf,
  noProgress,
  renameKeys,
  removeTempDirs,
  tempArtifacts,
  uniqueName,
  withClient,
  workloadOf,
  type PgServerInfo,
} from './helpers.ts';

const signal = new AbortController().signal;

describe('postgres adapter replica strategy', () => {
  afterAll(removeTempDirs);
  let primary: PgServerInfo;
  let standby: PgServerInfo;
  const db = uniqueName('replicadb');
  const role = uniqueName('lb_backup');
  const rolePassword = `pw-${Math.random().toString(36).slice(2)}`;
  let asRole: { primary: PgServerInfo; standby: PgServerInfo };

  beforeAll(async () => {
    primary = await useServer('postgres');
    standby = await useServer('postgres-standby');
    await withClient(primary, 'postgres', (c) =>
      c.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${rolePassword}'`),
    );
    await createDatabase(primary, db);
    await withClient(primary, db, (c) => c.query(CORPUS_SQL));
    await caughtUp(primary, standby);
    asRole = {
      primary: { ...primary, user: role, password: rolePassword },
      standby: { ...standby, user: role, password: rolePassword },
    };
  });

  /** Application names of the backup role's sessions on the primary while `fn` runs. */
  async function sessionsOnPrimary(fn: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const state = { polling: true };
    const poller = withClient(primary, 'postgres', async (c) => {
      while (state.polling) {
        const r = await c.query<{ app: string }>(
          'SELECT application_name AS app FROM pg_stat_activity WHERE usename = $1',
          [role],
        );
        seen.push(...r.rows.map((x) => x.app));
        await new Promise((res) => setTimeout(res, 5));
      }
    });
    try {
      await fn();
    } finally {
      state.polling = false;
      await poller;
    }
    return seen;
  }

  it('probe reports the roles and the replication topology', async () => {
    const p = await postgresAdapter.probe(workloadOf(primary, [db]), signal);
    expect(p.role).toBe('primary');
    expect(p.replicas.length).toBeGreaterThan(0);
    const s = await postgresAdapter.probe(workloadOf(standby, [db]), signal);
    expect(s.role).toBe('replica');
    expect(s.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(s.databases).toContain(db);
  });

  it('dumps from the standby even when the primary is unreachable', async () => {
    const workload = workloadOf(asRole.primary, [db], {
      standby: asRole.standby,
      primaryEndpoint: { ...endpointOf(primary, 'primary'), host: '127.0.0.1', port: 1 },
    });
    const capture = await postgresAdapter.dump(workload, await tempArtifacts(), {
      strategy: 'replica',
      parallelism: 2,
      signal,
      progress: noProgress,
    });
    expect(capture.details.endpoint).toBe('replica');
    expect(capture.fingerprint[`${db}.sales.orders`]?.rows).toBe(2000);
  });

  it('never opens a session on the primary, and the capture restores with an equal fingerprint', async () => {
    const workload = workloadOf(asRole.primary, [db], { standby: asRole.standby });
    const artifacts = await tempArtifacts();
    let capture: Awaited<ReturnType<typeof postgresAdapter.dump>> | undefined;
    const seen = await sessionsOnPrimary(async () => {
      capture = await postgresAdapter.dump(workload, artifacts, {
        strategy: 'replica',
        parallelism: 2,
        signal,
        progress: noProgress,
      });
    });
    if (capture === undefined) throw new Error('no capture');
    // Positive control: the same watch does see the role when the adapter reads the primary.
    const control = await sessionsOnPrimary(async () => {
      await postgresAdapter.fingerprint(workloadOf(asRole.primary, [db]), { databases: [db], signal });
    });
    expect(control.length).toBeGreaterThan(0);
    expect(seen).toEqual([]);
    // What the standby held equals the primary's data (no writes since it caught up).
    const live = await postgresAdapter.fingerprint(workloadOf(primary, [db]), { databases: [db], signal });
    expect(capture.fingerprint).toEqual(live);
    const restored = `${db}_fromstandby`;
    await postgresAdapter.load(workloadOf(primary, []), artifacts, {
      rename: { [db]: restored },
      force: false,
      parallelism: 2,
      signal,
      progress: noProgress,
    });
    const after = await postgresAdapter.fingerprint(workloadOf(primary, [restored]), {
      databases: [restored],
      signal,
    });
    expect(after).toEqual(renameKeys(capture.fingerprint, db, restored));
  });

  it('refuses a replica endpoint that is actually a primary', async () => {
    const workload = workloadOf(primary, [db], { standby: primary });
    const error = await postgresAdapter
      .dump(workload, await tempArtifacts(), {
        strategy: 'replica',
        parallelism: 1,
        signal,
        progress: noProgress,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toMatch(/not a standby/);
  });
});
