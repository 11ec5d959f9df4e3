import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { chunkPlace, damageChunk, dataStream, MiB } from './_helpers.ts';

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, '../../../engine/cli/main.ts');

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], {
      env: { ...process.env, LIFEBOAT_REPO_KEY: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('lifeboat repo/list/verify/prune CLI (local directory)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-'));
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, 'cli-test-key-0123456789abcdef\n');
  const url = `file://${join(dir, 'repo')}`;
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('init, list, verify, prune; key errors are one line', async () => {
    const init = await cli(['repo', 'init', '--repo', url, '--key-file', keyFile]);
    expect(init).toMatchObject({ code: 0 });
    expect(init.stdout).toMatch(/encrypted, AES-256-GCM/);
    const key = Buffer.from('cli-test-key-0123456789abcdef');
    const repo = await Repository.open(new LocalStore(join(dir, 'repo')), { key });
    const ids: string[] = [];
    for (const seed of [1, 2, 3]) {
      const w = await repo.startBackup({ app: 'shop' });
      await w.put('dump', dataStream({ bytes: MiB, seed }));
      await w.commit();
      ids.push(w.backupId);
    }

    const listed = await cli(['list', '--repo', url, '--key-file', keyFile, '-o', 'json']);
    expect((JSON.parse(listed.stdout) as { backupId: string }[]).map((b) => b.backupId)).toEqual(ids);
    expect((await cli(['list', '--repo', url, '--key-file', keyFile])).stdout).toMatch(/^BACKUP\s+APP/);

    expect(await cli(['verify', '--all', '--repo', url, '--key-file', keyFile])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^ok: 3 backup\(s\)/) as unknown,
    });
    expect(
      await cli(['verify', ids[0] ?? '', '--repo', url], {
        LIFEBOAT_REPO_KEY: 'cli-test-key-0123456789abcdef',
      }),
    ).toMatchObject({ code: 0 });

    const wrong = await cli(['list', '--repo', url], { LIFEBOAT_REPO_KEY: 'definitely-not-the-key' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toEqual([`lifeboat: repository ${url}: wrong repository key`]);
    const missing = await cli(['list', '--repo', url]);
    expect(missing.stderr).toMatch(/is encrypted: give its key with --key-file PATH or LIFEBOAT_REPO_KEY\n$/);

    expect((await cli(['prune', '--repo', url, '--key-file', keyFile])).code).toBe(2);
    const prune = (...extra: string[]): ReturnType<typeof cli> =>
      cli(['prune', '--repo', url, '--key-file', keyFile, '--keep-last', '1', ...extra]);
    const badLimit = await prune('--max-unused', '7x');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--max-unused.*not "7x"/);
    const pruned = await prune('--max-unused', '0%', '-o', 'json');
    expect(pruned.code).toBe(0);
    const prunedReport = JSON.parse(pruned.stdout) as { packsRepacked: unknown; repackWarnings: unknown };
    expect(typeof prunedReport.packsRepacked).toBe('number');
    expect(prunedReport.repackWarnings).toEqual([]);
    // Which backups go matters, not the order they are reported in.
    expect([...(JSON.parse(pruned.stdout) as { removed: string[] }).removed].sort()).toEqual(
      ids.slice(0, 2).sort(),
    );
    expect(await cli(['verify', '--all', '--repo', url, '--key-file', keyFile])).toMatchObject({ code: 0 });
  });

  it('verify exits 1 and names the damaged chunk', async () => {
    const key = Buffer.from('cli-test-key-0123456789abcdef');
    const store = new LocalStore(join(dir, 'repo'));
    const repo = await Repository.open(store, { key });
    const [last] = await repo.listIds();
    const manifest = await repo.readManifest(last ?? '');
    const chunk = manifest.artifacts[0]?.chunks[0]?.[0] ?? '';
    await damageChunk(store, await chunkPlace(repo, last ?? '', chunk), 50);
    const res = await cli(['verify', '--all', '--repo', url, '--key-file', keyFile]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      `DAMAGED  backup ${last ?? ''} artifact shop/dump chunk ${chunk}: authentication failed`,
    );
  });

  it('repo repair-index rebuilds a deleted index', async () => {
    const store = new LocalStore(join(dir, 'repo'));
    const repo = await Repository.open(store, { key: Buffer.from('cli-test-key-0123456789abcdef') });
    const [last] = await repo.listIds();
    await store.delete(`index/${last ?? ''}`);
    const listed = await cli(['export', last ?? '', 'shop', '--repo', url, '--key-file', keyFile]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/chunk index is missing \(run: lifeboat repo repair-index\)/);
    const repaired = await cli(['repo', 'repair-index', '--repo', url, '--key-file', keyFile]);
    expect(repaired).toMatchObject({ code: 0 });
    expect(repaired.stdout).toContain(`rebuilt  index of ${last ?? ''}\n`);
    expect(repaired.stdout).toMatch(/^ok: 1 broken index\(es\), 1 rebuilt, \d+ pack header\(s\) read$/m);
    const again = await cli(['repo', 'repair-index', '--repo', url, '--key-file', keyFile, '-o', 'json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { broken: unknown }).broken).toEqual([]);
  });

  it('forget removes one backup by id; an unknown id is one line and exit 1', async () => {
    const store = new LocalStore(join(dir, 'repo'));
    const repo = await Repository.open(store, { key: Buffer.from('cli-test-key-0123456789abcdef') });
    const [oldest] = await repo.listIds();
    const unknown = await cli(['forget', '20990101T000000Z-00000000', '--repo', url, '--key-file', keyFile]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('lifeboat: backup 20990101T000000Z-00000000 does not exist\n');
    const forgot = await cli(['forget', oldest ?? '', '--repo', url, '--key-file', keyFile]);
    expect(forgot).toMatchObject({ code: 0 });
    expect(forgot.stdout).toContain(`removed  ${oldest ?? ''}\n`);
    expect(await repo.listIds()).not.toContain(oldest);
  });

  it('an unencrypted init warns loudly', async () => {
    const res = await cli(['repo', 'init', '--repo', join(dir, 'plain')]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/!!! WARNING: NO ENCRYPTION KEY/);
    expect(res.stdout).toMatch(/UNENCRYPTED/);
  });
});
