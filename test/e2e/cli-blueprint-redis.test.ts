/**
 * The worked example of blueprints/README.md, run as the guide runs it: Lifeboat has no
 * Redis adapter, yet `blueprints/examples/redis.yaml` (generic functions only) lints,
 * renders, and passes `lifeboat blueprint test` against a real redis-server, restoring into
 * a second, scratch redis-server. A variant whose restore loses a key fails the test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCli, startRedis, type RedisServer } from '../../testcontainers/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'engine/cli/main.ts');
const EXAMPLE = join(ROOT, 'blueprints/examples/redis.yaml');
const PASSWORD = 'example-redis-password-7f3a';

describe('blueprint for Redis, an engine without an adapter (blueprints/README.md)', () => {
  let source: RedisServer;
  let scratch: RedisServer;
  let dir: string;
  const started: RedisServer[] = [];
  const lifeboat = (...args: string[]) =>
    execa(process.execPath, [CLI, ...args], {
      reject: false,
      cwd: ROOT,
      env: { LIFEBOAT_DB_PASSWORD: PASSWORD },
    });
  const db = () => `cache=redis://127.0.0.1:${source.port}`;
  const scratchUrl = () => `redis://127.0.0.1:${scratch.port}`;

  beforeAll(async () => {
    source = await startRedis({ password: PASSWORD });
    started.push(source);
    scratch = await startRedis({ name: 'redis-scratch', password: PASSWORD });
    started.push(scratch);
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-bp-redis-'));
    // Strings, a hash, a list, a set, a sorted set, a key with a TTL, and a second database.
    const seed = [
      'SET greeting hello',
      'HSET user:1 name ada lang en',
      'RPUSH queue a b c',
      'SADD tags x y z',
      'ZADD board 1 ann 2 bob',
      'SET session abc EX 3600',
      ...Array.from({ length: 500 }, (_, i) => `SET k:${i} ${'v'.repeat(1 + (i % 50))}`),
      'SELECT 3',
      'SET other-db yes',
    ];
    await redisCli(source, [], `${seed.join('\n')}\n`);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(started.map((server) => server.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lints clean', async () => {
    const result = await lifeboat('blueprint', 'lint', EXAMPLE);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain('1 file(s) ok');
  });

  it('renders every phase for the workload, with no password', async () => {
    const result = await lifeboat('blueprint', 'render', EXAMPLE, '--db', db());
    expect(result.exitCode, result.stderr).toBe(0);
    for (const phase of ['pause', 'digest', 'save', 'resume', 'wait', 'where', 'copy', 'record', 'unpause'])
      expect(result.stdout).toContain(`- name: ${phase}`);
    expect(result.stdout).toContain(`redis://127.0.0.1:${source.port}`);
    expect(result.stdout).not.toContain(PASSWORD);
  });

  it('passes `blueprint test`: BGSAVE, RDB into the repository, reload on the scratch server, fingerprints equal', async () => {
    const result = await lifeboat('blueprint', 'test', EXAMPLE, '--db', db(), '--scratch', scratchUrl());
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('blueprint redis-rdb');
    expect(result.stdout).toContain('pass  keyspace → keyspace');
    expect(result.stdout).toContain('blueprint test PASSED');
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    // The scratch server really holds the data now, including the other database and the TTL.
    expect(await redisCli(scratch, [], 'DBSIZE\nHGET user:1 name\nSELECT 3\nGET other-db\n')).toBe(
      '506\nada\nOK\nyes',
    );
    expect(Number(await redisCli(scratch, ['TTL', 'session']))).toBeGreaterThan(3000);
    // The write pause of the backup was lifted.
    expect(await redisCli(source, ['SET', 'after', 'ok'])).toBe('OK');
    await redisCli(source, ['DEL', 'after']);
  });

  it('fails `blueprint test` for a variant whose restore loses a key, naming the difference', async () => {
    await redisCli(scratch, ['FLUSHALL']);
    const broken = (await readFile(EXAMPLE, 'utf8')).replace(
      '    verify:\n',
      `        - name: pick
          func: exec
          args: { command: *cli, stdin: "RANDOMKEY\\n", credentialsEnv: *auth }
        - name: lose
          func: exec
          args:
            command: [redis-cli, -e, -u, '\${{ workload.primary.url }}', DEL, '\${{ lines(phases.pick.output.stdout)[0] }}']
            credentialsEnv: *auth
    verify:\n`,
    );
    expect(broken).toContain('name: lose');
    const file = join(dir, 'loses-a-key.yaml');
    await writeFile(file, broken);
    expect((await lifeboat('blueprint', 'lint', file)).exitCode).toBe(0);
    const result = await lifeboat('blueprint', 'test', file, '--db', db(), '--scratch', scratchUrl());
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('blueprint test FAILED');
    expect(result.stdout).toMatch(/FAIL +keyspace → keyspace/);
    expect(result.stdout + result.stderr).toMatch(/differs +keyspace: expected 506 rows \w+, got 505 rows/);
  });

  it('backs up, drills and restores through lifeboat backup/drill/restore with --blueprint', async () => {
    await redisCli(scratch, ['FLUSHALL']);
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, randomBytes(32).toString('base64'));
    const repo = ['--repo', `file://${join(dir, 'repo')}`, '--key-file', keyFile];
    const blueprint = ['--blueprint', EXAMPLE];
    expect((await lifeboat('repo', 'init', ...repo)).exitCode).toBe(0);
    // The plan, without touching any server (nothing listens on port 1).
    const dry = await lifeboat(
      'backup',
      '--db',
      'cache=redis://127.0.0.1:1',
      ...blueprint,
      '--dry-run',
      ...repo,
    );
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('no adapter for redis: blueprint "redis-rdb" decides how to capture');
    expect(dry.stdout).toMatch(/5\. wait: waitFor \(timeout 30m\)[\s\S]*defer unpause: exec/);
    const backup = await lifeboat('backup', '--db', db(), ...blueprint, '-o', 'json', ...repo);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const { id, members } = JSON.parse(backup.stdout.trim().split('\n').at(-1) ?? '{}') as {
      id: string;
      members: { name: string; engine: string; markers: { kind: string }[] }[];
    };
    expect(members.map((m) => [m.name, m.engine, m.markers.map((k) => k.kind).join()])).toEqual([
      ['cache', 'redis', 'rdbSaveTime'],
    ]);
    const drill = await lifeboat('drill', id, ...blueprint, '--scratch', `cache=${scratchUrl()}`, ...repo);
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    expect(drill.stdout).toContain('PASSED');
    // The scratch server now holds the data: a plain restore refuses it, --force replaces it.
    const refused = await lifeboat('restore', id, ...blueprint, '--to', `cache=${scratchUrl()}`, ...repo);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('the target Redis holds keys');
    const forced = await lifeboat(
      'restore',
      id,
      ...blueprint,
      '--to',
      `cache=${scratchUrl()}`,
      '--force',
      ...repo,
    );
    expect(forced.exitCode, forced.stdout + forced.stderr).toBe(0);
    expect(await redisCli(scratch, ['DBSIZE'])).toBe('506');
  });

  it('refuses to drill on the source itself, and a blueprint-less redis:// URL', async () => {
    const own = await lifeboat('blueprint', 'test', EXAMPLE, '--db', db());
    expect(own.exitCode).not.toBe(0);
    expect(own.stderr).toContain('cannot create scratch databases on the member');
    const same = await lifeboat(
      'blueprint',
      'test',
      EXAMPLE,
      '--db',
      db(),
      '--scratch',
      `redis://127.0.0.1:${source.port}`,
    );
    expect(same.exitCode).not.toBe(0);
    expect(same.stderr).toContain("that is the member's own server");
    expect(await redisCli(source, ['DBSIZE'])).toBe('506');
    const noBlueprint = await lifeboat(
      'blueprint',
      'render',
      join(ROOT, 'blueprints/postgres.yaml'),
      '--db',
      db(),
    );
    expect(noBlueprint.exitCode).not.toBe(0);
    expect(noBlueprint.stderr).toContain('unknown scheme "redis:"');
  });
});
