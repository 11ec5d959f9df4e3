/**
 * Crash safety of the local directory backend's batched directory fsync, proven on the
 * system calls of a real backup process (strace): every pack file is fsynced before
 * its name appears, every directory holding a pack the backup wrote is fsynced after
 * the last pack renamed into it and before the backup's index is put into place, and
 * the index (content and name) is durable before the manifest is linked into place
 * (the commit point). Packs a backup reuses are named by an index written the same way
 * earlier. A power loss at any moment therefore leaves either no manifest or a
 * manifest whose index and every pack have a durable name and content.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore, Repository } from '../../../engine/repository/index.ts';
import { readIndex } from '../../../engine/repository/pack-index.ts';
import { packKey } from '../../../engine/repository/pack.ts';
import { MiB } from './_helpers.ts';

const KEY = randomBytes(32).toString('base64');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Call {
  readonly name: string;
  readonly args: string;
  readonly result: number;
  /** Line of the call's start and of its completion in the trace (its order). */
  readonly start: number;
  readonly end: number;
}

/** The calls of an `strace -f -y` log, unfinished/resumed halves joined. */
export function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  const pending = new Map<string, { name: string; args: string; start: number }>();
  text.split('\n').forEach((line, index) => {
    const unfinished = /^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$/.exec(line);
    if (unfinished) {
      pending.set(unfinished[1] ?? '', {
        name: unfinished[2] ?? '',
        args: unfinished[3] ?? '',
        start: index,
      });
      return;
    }
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)\)\s+= (-?\d+)/.exec(line);
    if (resumed) {
      const head = pending.get(resumed[1] ?? '');
      pending.delete(resumed[1] ?? '');
      if (head)
        calls.push({
          name: head.name,
          args: head.args + (resumed[3] ?? ''),
          result: Number(resumed[4]),
          start: head.start,
          end: index,
        });
      return;
    }
    const whole = /^(\d+)\s+(\w+)\((.*)\)\s+= (-?\d+)/.exec(line);
    if (whole)
      calls.push({
        name: whole[2] ?? '',
        args: whole[3] ?? '',
        result: Number(whole[4]),
        start: index,
        end: index,
      });
  });
  return calls;
}

/** Quoted paths of a call's arguments, in order. */
function paths(args: string): string[] {
  return [...args.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
}

/** The path strace -y shows for a call's fd argument (`3</some/path>`). */
function fdPath(args: string): string | undefined {
  return /^\d+<([^>]*)>/.exec(args)?.[1];
}

async function tracedBackup(
  root: string,
  bytes: number,
  seed: number,
): Promise<{ backupId: string; calls: Call[] }> {
  const log = join(root, '..', `${randomBytes(4).toString('hex')}.strace`);
  const child = spawn(
    'strace',
    [
      '-f',
      '-y',
      '-qq',
      '-e',
      'trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat',
      '-o',
      log,
      process.execPath,
      join(dirname(fileURLToPath(import.meta.url)), '_commit-child.ts'),
    ],
    {
      env: {
        ...process.env,
        REPO_URL: `file://${root}`,
        LIFEBOAT_REPO_KEY: KEY,
        BYTES: String(bytes),
        SEED: String(seed),
        PACK_BYTES: String(MiB),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, err).toBe(0);
  return { backupId: out.trim(), calls: parseTrace(readFileSync(log, 'utf8')) };
}

/** Checks the durability order of one traced backup; returns how many directory fsyncs it made. */
async function expectDurableCommit(root: string, backupId: string, calls: Call[]): Promise<number> {
  const ok = calls.filter((c) => c.result === 0);
  const manifestLink = ok.find(
    (c) =>
      ['link', 'linkat', 'rename', 'renameat', 'renameat2'].includes(c.name) &&
      paths(c.args).at(-1) === join(root, 'manifests', backupId),
  );
  expect(manifestLink, 'the manifest is linked into place').toBeDefined();
  const commitAt = manifestLink?.start ?? -1;
  const fsyncs = ok.filter((c) => c.name === 'fsync' || c.name === 'fdatasync');
  const syncedBefore = (path: string, after: number, before: number): boolean =>
    fsyncs.some((f) => fdPath(f.args) === path && f.end > after && f.end < before);

  // every pack file: content fsynced before its name appears
  const packRenames = ok.filter(
    (c) => c.name.startsWith('rename') && (paths(c.args).at(-1) ?? '').startsWith(join(root, 'packs') + '/'),
  );
  for (const rename of packRenames) {
    const [tmp = ''] = paths(rename.args);
    expect(syncedBefore(tmp, -1, rename.start), `${tmp} fsynced before its rename`).toBe(true);
  }
  // the index: its content and its directory durable after every pack this backup wrote
  // is, and before the commit
  const indexPath = join(root, 'index', backupId);
  const indexPut = ok.find((c) => c.name.startsWith('rename') && paths(c.args).at(-1) === indexPath);
  expect(indexPut, 'the index is renamed into place').toBeDefined();
  const indexAt = indexPut?.start ?? -1;
  expect(
    syncedBefore(paths(indexPut?.args ?? '')[0] ?? '', -1, indexAt),
    'index fsynced before its rename',
  ).toBe(true);
  expect(syncedBefore(dirname(indexPath), indexPut?.end ?? -1, commitAt), 'index directory fsynced').toBe(
    true,
  );
  // every directory of a pack this backup wrote: fsynced after the last rename into it, before the index
  const repo = await Repository.open(new LocalStore(root), { key: Buffer.from(KEY) });
  const index = await readIndex(repo.ctx, backupId);
  const packDirs = new Set(packRenames.map((r) => dirname(paths(r.args).at(-1) ?? '')));
  for (const dir of packDirs) {
    const lastRename = Math.max(
      -1,
      ...packRenames.filter((r) => dirname(paths(r.args).at(-1) ?? '') === dir).map((r) => r.end),
    );
    expect(syncedBefore(dir, lastRename, indexAt), `${dir} fsynced before the index`).toBe(true);
  }
  // every pack the index names exists (written here, or by an earlier backup)
  for (const at of index.values()) expect(existsSync(join(root, packKey(at.pack)))).toBe(true);
  return fsyncs.filter(
    (f) => (fdPath(f.args) ?? '').startsWith(join(root, 'packs') + '/') && packDirs.has(fdPath(f.args) ?? ''),
  ).length;
}

describe('local directory backend: durability order of a backup (strace)', () => {
  it('pack files are fsynced before their rename; their directories once each, before the index; the index before the manifest; an identical backup writes only its index', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'lifeboat-durable-')), 'repo');
    dirs.push(dirname(root));
    await Repository.init(new LocalStore(root), { key: Buffer.from(KEY) });

    const first = await tracedBackup(root, 40 * MiB, 11);
    const dirSyncs = await expectDurableCommit(root, first.backupId, first.calls);
    const written = first.calls.filter(
      (c) =>
        c.result === 0 && c.name.startsWith('rename') && (paths(c.args).at(-1) ?? '').includes('/packs/'),
    ).length;
    expect(written).toBeGreaterThan(5);
    // batched: one fsync per directory, not one per pack
    const distinctDirs = new Set(
      first.calls.filter((c) => c.name.startsWith('rename')).map((c) => dirname(paths(c.args).at(-1) ?? '')),
    );
    expect(dirSyncs).toBeLessThanOrEqual(distinctDirs.size);

    // an identical second backup writes no pack, only its index and manifest
    const second = await tracedBackup(root, 40 * MiB, 11);
    expect(second.calls.some((c) => c.name.startsWith('rename') && c.args.includes('/packs/'))).toBe(false);
    await expectDurableCommit(root, second.backupId, second.calls);
  }, 120_000);

  it('syncNames ignores objects that are not there', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lifeboat-durable-'));
    dirs.push(root);
    const store = new LocalStore(root);
    await store.put('packs/ab/x', [Buffer.from('x')], { deferNameSync: true });
    await expect(store.syncNames(['packs/ab/x', 'packs/cd/missing'])).resolves.toBeUndefined();
  });
});
