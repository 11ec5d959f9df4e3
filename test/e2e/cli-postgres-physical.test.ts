/**
 * The `lifeboat` CLI on a PostgreSQL physical capture, against a private primary and a
 * private streaming standby (replay is paused during the capture, which must not disturb
 * shared servers):
 *
 * - `lifeboat backup --strategy replica-snapshot --replica URL` copies the standby's data
 *   directory while the primary keeps writing;
 * - `lifeboat restore ID --to NAME=file:///DIR` extracts it into an empty directory with its
 *   backup label and recovery settings; a `postgres` started on it recovers to exactly the
 *   marker LSN and promotes: the capture's fingerprint, none of the later writes;
 * - a non-empty directory is refused without `--force`; a physical member without a
 *   directory, or a directory for a logical member, is bad usage naming the fix.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdapter } from '../../adapters/postgres/index.ts';
import type { Fingerprint } from '../../engine/model/index.ts';
import {
  startPostgres,
  startPostgresStandby,
  type PostgresServer,
  type PostgresStandbyServer,
} from '../../testcontainers/index.ts';
import { findPgBinDir, launchPostmaster } from '../../testcontainers/_postgres.ts';
import { freePorts, unprivilegedUser, type ServerProcess } from '../../testcontainers/_process.ts';
import { pgQuery } from '../_support/sql.ts';
import { withClient, workloadOf } from '../integration/postgres/helpers.ts';
import { cliRepo, type CliRepo } from './_cli-repo.ts';

const DB = `phys_${randomBytes(3).toString('hex')}`;

async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(dir, owner.uid, owner.gid);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chown(join(e.parentPath, e.name), owner.uid, owner.gid);
  }
}

async function count(server: { host: string; port: number; user: string; password: string }, where = 'true') {
  const [row] = await pgQuery(server, DB, `SELECT count(*)::int AS n FROM t WHERE ${where}`);
  return Number(row?.n);
}

describe('lifeboat CLI on PostgreSQL: physical restore into a data directory', () => {
  let primary: PostgresServer;
  let standby: PostgresStandbyServer;
  let repo: CliRepo;
  const servers: ServerProcess[] = [];

  const url = (server: { port: number }) => `postgres://${primary.user}@127.0.0.1:${server.port}/${DB}`;
  const captured = async (id: string): Promise<{ fingerprint: Fingerprint; lsn: string }> => {
    const [member] = await repo.members<{
      fingerprint: Fingerprint;
      markers: { kind: string; value: string }[];
    }>(id);
    return {
      fingerprint: member?.fingerprint ?? {},
      lsn: member?.markers.find((m) => m.kind === 'lsn')?.value ?? '',
    };
  };

  beforeAll(async () => {
    primary = await startPostgres({ name: 'postgres-cli-physical-primary' });
    await pgQuery(primary, 'postgres', `CREATE DATABASE ${DB}`);
    await pgQuery(
      primary,
      DB,
      "CREATE TABLE t (id serial PRIMARY KEY, v text, at timestamptz DEFAULT now()); INSERT INTO t (v) SELECT md5(g::text) FROM generate_series(1, 20000) g; CREATE TABLE other (k int PRIMARY KEY, doc jsonb); INSERT INTO other SELECT g, jsonb_build_object('g', g) FROM generate_series(1, 500) g",
    );
    standby = await startPostgresStandby(primary, { name: 'postgres-cli-physical-standby' });
    repo = await cliRepo('lifeboat-cli-pg-physical-', primary.password);
  }, 180_000);

  afterAll(async () => {
    for (const s of servers) await s.stop('SIGINT').catch(() => undefined);
    await standby.stop();
    await primary.stop();
    // Unset when beforeAll failed before creating it.
    await (repo as CliRepo | undefined)?.dispose();
  });

  it('restores a replica-snapshot into a data directory where postgres recovers to the marker LSN with the capture fingerprint', async () => {
    // Writes keep coming on the primary during the capture.
    const state = { writing: true };
    const writer = withClient(primary, DB, async (c) => {
      while (state.writing) await c.query("INSERT INTO t (v) VALUES ('during')");
    });
    let id: string;
    try {
      await new Promise((r) => setTimeout(r, 300));
      id = await repo.backup([
        '--db',
        `phys=${url(primary)}`,
        '--replica',
        `phys=${url(standby)}`,
        '--strategy',
        'replica-snapshot',
      ]);
    } finally {
      state.writing = false;
      await writer;
    }
    // Written after the capture: must not be in the restored copy.
    await pgQuery(primary, DB, "INSERT INTO t (v) VALUES ('after')");
    const { fingerprint: expected, lsn } = await captured(id);
    expect(Object.keys(expected).sort()).toEqual([`${DB}.public.other`, `${DB}.public.t`]);
    expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

    // Without a directory: bad usage naming the flag to give.
    await repo.expectDirectoryRequired(id, 'phys');

    const restoredDir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-pg-restored-'));
    const dataDir = join(restoredDir, 'data');
    const target = `phys=${pathToFileURL(dataDir).toString()}`;
    try {
      const restored = await repo.cli(['restore', id, '--to', target, ...repo.repoArgs]);
      expect(restored.exitCode, restored.all).toBe(0);
      expect(restored.stdout).toContain(`data directory ${dataDir} is ready`);
      expect(restored.stdout).toContain(`chmod 700 ${dataDir}`);
      expect(restored.stdout).toContain(`pg_ctl -D ${dataDir} start`);
      expect(restored.stdout).toContain(`marker LSN ${lsn}, then promotes`);
      expect(await readdir(dataDir)).toEqual(
        expect.arrayContaining(['PG_VERSION', 'backup_label', 'recovery.signal', 'base', 'pg_wal']),
      );
      expect(await readdir(dataDir)).not.toContain('standby.signal');

      // A non-empty directory is refused without --force, and left as it is.
      const json = await repo.expectNonEmptyRefusedThenForced(id, 'phys', target, dataDir, [
        'PG_VERSION',
        'backup_label',
      ]);
      expect(json.dataDirs[0]?.nextSteps?.join('\n')).toContain('lifeboat drill');

      // The next steps, as the test user: a private directory, postgres started on it.
      await chmod(dataDir, 0o700);
      const owner = unprivilegedUser();
      if (owner) await chownTree(restoredDir, owner);
      const [port = 0] = await freePorts(1);
      const proc = await launchPostmaster(
        primary.binDir || findPgBinDir('cli-restored'),
        restoredDir,
        dataDir,
        port,
      );
      servers.push(proc);
      const login = { host: '127.0.0.1', port, user: primary.user, password: primary.password };
      let promoted = false;
      for (let i = 0; i < 600 && !promoted; i++) {
        await new Promise((r) => setTimeout(r, 100));
        promoted = await pgQuery(login, 'postgres', 'SELECT pg_is_in_recovery() AS rec')
          .then((rows) => rows[0]?.rec === false)
          .catch(() => false);
      }
      expect(promoted).toBe(true);
      const signal = AbortSignal.timeout(60_000);
      const fp = await postgresAdapter.fingerprint(workloadOf(login, [DB]), { databases: [DB], signal });
      expect(fp).toEqual(expected);
      // Recovery stopped at the marker: the writes made after it are absent.
      expect(await count(login, "v = 'after'")).toBe(0);
      const rows = await count(login);
      expect(rows).toBe(expected[`${DB}.public.t`]?.rows);
      expect(rows).toBeLessThan(await count(primary));
      // A promoted, writable primary.
      await pgQuery(login, DB, "INSERT INTO t (v) VALUES ('after restore')");
    } finally {
      await rm(restoredDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }, 300_000);

  it('refuses a data directory for a logical member', async () => {
    await repo.expectDirectoryRefusedForLogical(url(primary));
  }, 120_000);
});
