/**
 * A local-directory repository the user may not read, or may read but not write: every
 * command fails with one line naming the operation and "permission denied". As root
 * (CI) the CLI drops to nobody first (_as-user.ts).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { dataStream, MiB } from './_helpers.ts';

const run = promisify(execFile);
const AS_USER = join(import.meta.dirname, '_as-user.ts');
const KEY = 'permissions-test-key-0123456789';

async function cliAsUser(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [AS_USER, ...args], {
      env: { ...process.env, LIFEBOAT_REPO_KEY: KEY, HOME: '/nonexistent' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** chmod every directory to `dirMode` and every file to `fileMode`, below and at `root`. */
function chmodTree(root: string, dirMode: number, fileMode: number): void {
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    chmodSync(path, entry.isDirectory() ? dirMode : fileMode);
  }
  chmodSync(root, dirMode);
}

describe('local repository without permissions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-perm-'));
  const repoDir = join(dir, 'repo');
  let backupId = '';

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    await Repository.init(new LocalStore(repoDir), { key: Buffer.from(KEY) });
    const repo = await Repository.open(new LocalStore(repoDir), { key: Buffer.from(KEY) });
    const writer = await repo.startBackup({ app: 'shop' });
    await writer.put('dump', dataStream({ bytes: MiB, seed: 70 }));
    await writer.commit();
    backupId = writer.backupId;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('readable, not writable: list and verify work; a backup fails with one line', async () => {
    chmodTree(repoDir, 0o755, 0o644);
    expect(statSync(repoDir).mode & 0o777).toBe(0o755);
    const list = await cliAsUser(['list', '--repo', repoDir]);
    expect(list.stderr).toBe('');
    expect(list.stdout).toContain(backupId);
    expect((await cliAsUser(['verify', '--all', '--repo', repoDir])).code).toBe(0);
    const backup = await cliAsUser(['backup', '--stdin', 'x.sql', '--repo', repoDir]);
    expect(backup.code).toBe(1);
    expect(backup.stderr).toBe(
      `lifeboat: repository file://${repoDir}: cannot write backup lock: permission denied\n`,
    );
    const prune = await cliAsUser(['prune', '--keep-last', '1', '--repo', repoDir]);
    expect(prune.code).toBe(1);
    expect(prune.stderr).toBe(
      `lifeboat: repository file://${repoDir}: cannot write prune lock: permission denied\n`,
    );
  });

  it('not readable: opening fails with one line', async () => {
    chmodTree(repoDir, 0o700, 0o600);
    const list = await cliAsUser(['list', '--repo', repoDir]);
    expect(list.code).toBe(1);
    expect(list.stderr).toBe(
      `lifeboat: repository file://${repoDir}: cannot read config: permission denied\n`,
    );
  });
});
