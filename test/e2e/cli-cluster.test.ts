/**
 * Backups in a repository shared by clusters, through the CLI: `lifeboat backup --cluster`
 * (and `LIFEBOAT_CLUSTER`) record the source cluster in the manifest, `lifeboat list`
 * shows a CLUSTER column only when backups come from more than one, `--cluster` filters,
 * JSON carries `cluster` (null for backups that recorded none, e.g. written before).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore, Repository } from '../../engine/repository/index.ts';
import { useServer, type PostgresServer, type SharedServer } from '../../testcontainers/index.ts';
import { pgQuery as pgQueryOn } from '../_support/sql.ts';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');
const DB = `cli_cluster_${randomBytes(3).toString('hex')}`;

interface Listed {
  backupId: string;
  app: string;
  cluster: string | null;
}

describe('lifeboat backup --cluster / list --cluster', () => {
  let postgres: SharedServer<PostgresServer>;
  let work = '';
  let repoArgs: string[] = [];
  let key = '';
  const ids = { east: '', west: '', legacy: '' };

  const cli = (args: string[], env: Record<string, string> = {}) =>
    execa(process.execPath, [CLI, ...args], {
      env: { LIFEBOAT_DB_PASSWORD: postgres.password, LIFEBOAT_CLUSTER: '', ...env },
      reject: false,
      all: true,
    });
  const backup = async (extra: string[], env: Record<string, string> = {}) => {
    const url = `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${DB}`;
    const result = await cli(['backup', '--db', `orders=${url}`, '-o', 'json', ...extra, ...repoArgs], env);
    expect(result.exitCode, result.all).toBe(0);
    return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      id: string;
      cluster: string | null;
    };
  };
  const list = async (extra: string[] = []) => {
    const result = await cli(['list', ...extra, ...repoArgs]);
    expect(result.exitCode, result.all).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    postgres = await useServer('postgres');
    work = await mkdtemp(join(tmpdir(), 'lifeboat-cli-cluster-'));
    key = randomBytes(32).toString('base64');
    await writeFile(join(work, 'key'), key);
    repoArgs = ['--repo', `file://${join(work, 'repo')}`, '--key-file', join(work, 'key')];
    await pgQueryOn(postgres, 'postgres', `CREATE DATABASE ${DB}`);
    await pgQueryOn(
      postgres,
      DB,
      `CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)`,
    );
    const init = await cli(['repo', 'init', ...repoArgs]);
    expect(init.exitCode, init.all).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await pgQueryOn(postgres, 'postgres', `DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('records the cluster and shows no CLUSTER column while there is one', async () => {
    const east = await backup(['--cluster', 'east']);
    expect(east.cluster).toBe('east');
    ids.east = east.id;
    expect(await list()).toMatch(/^BACKUP\s+APP\s+COMPLETED/);
  }, 120_000);

  it('takes LIFEBOAT_CLUSTER, refuses a bad name, and lists and filters by cluster', async () => {
    const west = await backup([], { LIFEBOAT_CLUSTER: 'west' });
    expect(west.cluster).toBe('west');
    ids.west = west.id;
    const bad = await cli(['backup', '--db', 'x=postgres://h/db', '--cluster', 'no spaces', ...repoArgs]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.all).toMatch(/cluster name "no spaces"/);

    // A backup that recorded no cluster (as every manifest written before this field existed).
    const repo = await Repository.open(new LocalStore(join(work, 'repo')), { key: Buffer.from(key) });
    const writer = await repo.startBackup({ app: 'legacy' });
    await writer.put('dump', Readable.from([Buffer.from('legacy')]));
    await writer.commit();
    ids.legacy = writer.backupId;

    const table = (await list()).split('\n');
    expect(table[0]).toMatch(/^BACKUP\s+CLUSTER\s+APP\s+COMPLETED/);
    const clusterOf = (id: string) => table.find((line) => line.startsWith(id))?.split(/\s+/)[1];
    expect([clusterOf(ids.east), clusterOf(ids.west), clusterOf(ids.legacy)]).toEqual(['east', 'west', '-']);

    const onlyWest = (await list(['--cluster', 'west'])).trim().split('\n');
    expect(onlyWest[0]).toMatch(/^BACKUP\s+APP/);
    expect(onlyWest.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([ids.west]);

    const json = JSON.parse(await list(['-o', 'json'])) as Listed[];
    expect(json.map((b) => [b.backupId, b.cluster])).toEqual([
      [ids.east, 'east'],
      [ids.west, 'west'],
      [ids.legacy, null],
    ]);
    const eastJson = JSON.parse(await list(['--cluster', 'east', '-o', 'json'])) as Listed[];
    expect(eastJson.map((b) => b.backupId)).toEqual([ids.east]);
    const detail = JSON.parse(await list([ids.east, '-o', 'json'])) as { cluster: string | null };
    expect(detail.cluster).toBe('east');
  }, 120_000);
});
