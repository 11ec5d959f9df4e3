/**
 * `lifeboat blueprint test` against a real PostgreSQL: a user blueprint that captures and
 * restores correctly passes; one whose restore action forgets to load fails, naming what
 * differs. Neither leaves a scratch database behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer, type PostgresServer, type SharedServer } from '../../testcontainers/index.ts';
import { pgQuery as pgQueryOn } from '../_support/sql.ts';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');
const DB = `bpt_${randomBytes(3).toString('hex')}`;

const blueprint = (name: string, restorePhase: string) => `apiVersion: lifeboat.dev/v1alpha1
kind: Blueprint
metadata: { name: ${name} }
spec:
  engine: postgres
  actions:
    backup:
      phases:
        - { name: probe, func: postgres.probe }
        - name: dump
          func: postgres.dump
          args: { parallelism: "\${{ options.parallelism }}" }
    restore:
      phases:
        - ${restorePhase}
    verify:
      phases:
        - { name: fingerprint, func: postgres.fingerprint }
        - name: compare
          func: compareFingerprints
          args:
            expected: "\${{ backup.fingerprint }}"
            actual: "\${{ phases.fingerprint.output.fingerprint }}"
            rename: "\${{ options.rename }}"
`;

describe('lifeboat blueprint test', () => {
  let postgres: SharedServer<PostgresServer>;
  let dir: string;
  const pgQuery = (database: string, sql: string) => pgQueryOn(postgres, database, sql);
  const scratchLeft = async () =>
    (await pgQuery('postgres', `SELECT datname FROM pg_database WHERE datname LIKE '${DB}_drill_%'`)).length;
  const test = (file: string) =>
    execa(
      process.execPath,
      [
        CLI,
        'blueprint',
        'test',
        file,
        '--db',
        `orders=postgres://${postgres.user}@${postgres.host}:${postgres.port}/${DB}`,
      ],
      { reject: false, env: { LIFEBOAT_DB_PASSWORD: postgres.password } },
    );

  beforeAll(async () => {
    postgres = await useServer('postgres');
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-bpt-'));
    await pgQuery('postgres', `CREATE DATABASE ${DB}`);
    await pgQuery(
      DB,
      `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 3000) g;`,
    );
  });
  afterAll(async () => {
    await pgQuery('postgres', `DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes a blueprint that captures and restores correctly', async () => {
    const file = join(dir, 'good.yaml');
    await writeFile(
      file,
      blueprint(
        'my-postgres',
        `{ name: load, func: postgres.load, args: { rename: "\${{ options.rename }}" } }`,
      ),
    );
    const result = await test(file);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('blueprint my-postgres');
    expect(result.stdout).toContain('blueprint test PASSED');
    expect(result.stdout + result.stderr).not.toContain(postgres.password);
    expect(await scratchLeft()).toBe(0);
  });

  it('fails a blueprint whose restore does not load the data, naming the difference', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      blueprint('forgets-to-load', `{ name: wait, func: sleep, args: { duration: 1ms } }`),
    );
    const result = await test(file);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('blueprint test FAILED');
    expect(result.stdout).toMatch(new RegExp(`FAIL +${DB} → ${DB}_drill_\\w+`));
    expect(result.stdout).toContain('does not exist');
    expect(await scratchLeft()).toBe(0);
  });
});
