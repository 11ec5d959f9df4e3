/**
 * Issue 6: "If the Lifeboat process dies while fences are held, the locks go with its
 * sessions". A real `lifeboat backup --consistency app` of PostgreSQL + MariaDB +
 * FerretDB is killed with SIGKILL while its fences hold (during the FerretDB member's
 * capture inside the fence window). Writes to PostgreSQL and MariaDB issued before the
 * kill are blocked by the fences; after the kill both complete within a bound, no fence
 * session is left on either server, and no backup becomes visible.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { MongoClient } from 'mongodb';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  useServer,
  type FerretdbServer,
  type MariadbServer,
  type PostgresServer,
  type SharedServer,
} from '../../testcontainers/index.ts';
import { myQuery as myQueryOn, pgConnect, pgQuery as pgQueryOn } from '../_support/sql.ts';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');
const suffix = randomBytes(3).toString('hex');
const PG_DB = `kill_a_${suffix}`;
const MY_DB = `kill_b_${suffix}`;
const MO_DB = `kill_c_${suffix}`;
/** Both servers must accept writes again this soon after the kill. */
const RELEASE_BOUND_MS = 5_000;

describe('lifeboat killed with SIGKILL while the cut holds its fences', () => {
  let postgres: SharedServer<PostgresServer>;
  let mariadb: SharedServer<MariadbServer>;
  let ferretdb: SharedServer<FerretdbServer>;
  let mongo: MongoClient;
  let work: string;
  let repoArgs: string[];

  const pgUrl = (db: string) => `postgres://${postgres.user}@${postgres.host}:${postgres.port}/${db}`;
  const myUrl = (db: string) => `mysql://${mariadb.user}@${mariadb.host}:${mariadb.port}/${db}`;
  const moUrl = (db: string) =>
    `mongodb://${ferretdb.user}@${ferretdb.host}:${ferretdb.port}/${db}?authSource=admin`;

  beforeAll(async () => {
    [postgres, mariadb, ferretdb] = await Promise.all([
      useServer('postgres'),
      useServer('mariadb'),
      useServer('ferretdb'),
    ]);
    await pgQueryOn(postgres, 'postgres', `CREATE DATABASE ${PG_DB}`);
    await pgQueryOn(postgres, PG_DB, 'CREATE TABLE t (id bigint PRIMARY KEY)');
    await myQueryOn(mariadb, `CREATE DATABASE ${MY_DB}; CREATE TABLE ${MY_DB}.t (id BIGINT PRIMARY KEY)`);
    mongo = new MongoClient(`mongodb://${ferretdb.host}:${ferretdb.port}/?authSource=admin`, {
      directConnection: true,
      auth: { username: ferretdb.user, password: ferretdb.password },
    });
    await mongo.connect();
    // Enough documents that reading them inside the fence window takes a while.
    const docs = mongo.db(MO_DB).collection<{ _id: number; body: string }>('docs');
    for (let i = 0; i < 20; i++)
      await docs.insertMany(
        Array.from({ length: 1000 }, (_, j) => ({ _id: i * 1000 + j, body: 'x'.repeat(200) })),
      );
    work = await mkdtemp(join(tmpdir(), 'lifeboat-cut-kill-'));
    const keyFile = join(work, 'key');
    await writeFile(keyFile, randomBytes(32).toString('base64'));
    repoArgs = ['--repo', `file://${join(work, 'repo')}`, '--key-file', keyFile];
    const init = await execa(process.execPath, [CLI, 'repo', 'init', ...repoArgs], {
      reject: false,
      all: true,
    });
    expect(init.exitCode, init.all).toBe(0);
  });

  afterAll(async () => {
    await pgQueryOn(postgres, 'postgres', `DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`).catch(
      () => undefined,
    );
    await myQueryOn(mariadb, `DROP DATABASE IF EXISTS ${MY_DB}`).catch(() => undefined);
    await mongo
      .db(MO_DB)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('both databases accept writes again within the bound, and no fence session is left', async () => {
    const child = execa(
      process.execPath,
      [
        CLI,
        'backup',
        '--app',
        'shop',
        '--db',
        `a=${pgUrl(PG_DB)}`,
        '--db',
        `b=${myUrl(MY_DB)}`,
        '--db',
        `c=${moUrl(MO_DB)}`,
        '--consistency',
        'app',
        '-o',
        'json',
        ...repoArgs,
      ],
      {
        env: {
          LIFEBOAT_DB_PASSWORD_A: postgres.password,
          LIFEBOAT_DB_PASSWORD_B: mariadb.password,
          LIFEBOAT_DB_PASSWORD_C: ferretdb.password,
        },
        reject: false,
      },
    );
    // The FerretDB member starts its capture once every fence holds and every snapshot is pinned.
    let seen = '';
    const inWindow = await new Promise<boolean>((resolvePromise) => {
      child.stdout.on('data', (data: Buffer) => {
        seen += data.toString();
        if (/"type":"member.start"[^\n]*"member":"c"/.test(seen)) resolvePromise(true);
      });
      void child.then(() => {
        resolvePromise(false);
      });
    });
    expect(inWindow, seen).toBe(true);

    // Writers arrive while the fences hold: both must wait.
    const pgWriter = await pgConnect(postgres, PG_DB);
    const myWriter = await createConnection({
      host: mariadb.host,
      port: mariadb.port,
      user: mariadb.user,
      password: mariadb.password,
      database: MY_DB,
    });
    const done = { pg: 0, my: 0 };
    const pgInsert = pgWriter.query('INSERT INTO t VALUES (1)').then(() => (done.pg = performance.now()));
    const myInsert = myWriter.query('INSERT INTO t VALUES (1)').then(() => (done.my = performance.now()));
    await new Promise((r) => setTimeout(r, 300));
    const fenceSessions = await pgQueryOn(
      postgres,
      'postgres',
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lifeboat-fence' AND datname = '${PG_DB}'`,
    );
    expect(done, seen).toEqual({ pg: 0, my: 0 });
    expect(fenceSessions[0]?.n).toBe(1);

    const killedAt = performance.now();
    child.kill('SIGKILL');
    const result = await child;
    expect(result.signal).toBe('SIGKILL');
    await Promise.all([pgInsert, myInsert]);
    const released = { pg: Math.round(done.pg - killedAt), my: Math.round(done.my - killedAt) };
    process.stderr.write(`cut-kill: writes resumed after the kill (ms): ${JSON.stringify(released)}\n`);
    expect(released.pg).toBeLessThan(RELEASE_BOUND_MS);
    expect(released.my).toBeLessThan(RELEASE_BOUND_MS);
    await pgWriter.end();
    await myWriter.end();

    // Nothing of the dead process is left holding anything, and no backup became visible.
    const leftPg = await pgQueryOn(
      postgres,
      'postgres',
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'lifeboat-%' AND datname = '${PG_DB}'`,
    );
    expect(leftPg[0]?.n).toBe(0);
    const listed = await execa(process.execPath, [CLI, 'list', '-o', 'json', ...repoArgs], {
      reject: false,
      all: true,
    });
    expect(listed.exitCode, listed.all).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});
