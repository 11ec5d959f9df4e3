/**
 * `lifeboat backup --stdin NAME` through the real CLI: a stream piped in (or a file
 * redirected in) comes back byte for byte with `lifeboat export`; an interrupted or
 * killed run leaves no backup; the stream is refused where a database is expected. And
 * the reader thread under it (`readFd`) on a real file and a real pipe.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFd } from '../../../engine/repository/fd-reader.ts';
import { realisticBlocks } from '../../../bench/repo-data.ts';
import { dataDigest, MiB } from './_helpers.ts';

const MAIN = join(import.meta.dirname, '../../../engine/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'lifeboat-stdin-'));
const keyFile = join(dir, 'key');
writeFileSync(keyFile, 'stdin-test-key-0123456789abcdef\n');
const repo = join(dir, 'repo');
const repoArgs = ['--repo', repo, '--key-file', keyFile];

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI with `feed` writing into its stdin pipe (it may stop early: `kill`). */
function lifeboat(
  args: string[],
  feed: (stdin: NodeJS.WritableStream, child: ReturnType<typeof spawn>) => Promise<void>,
): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, LIFEBOAT_REPO_KEY: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined); // EPIPE once the CLI is gone
  const exited = new Promise<Run>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    }),
  );
  void feed(child.stdin, child);
  return exited;
}

async function writeAll(stdin: NodeJS.WritableStream, bytes: number, seed: number): Promise<void> {
  for (const block of realisticBlocks({ bytes, seed })) {
    if (!stdin.write(block)) await new Promise((resolve) => stdin.once('drain', resolve));
  }
}

function exportDigest(backupId: string, member: string): { sha256: string; bytes: number } {
  const out = execFileSync(process.execPath, [MAIN, 'export', backupId, member, ...repoArgs], {
    maxBuffer: 256 * MiB,
  });
  return { sha256: createHash('sha256').update(out).digest('hex'), bytes: out.length };
}

function listIds(): string[] {
  const out = execFileSync(process.execPath, [MAIN, 'list', ...repoArgs, '-o', 'json']).toString();
  return (JSON.parse(out) as { backupId: string }[]).map((b) => b.backupId);
}

describe('lifeboat backup --stdin (real CLI, local repository)', () => {
  it('a piped stream and a redirected file come back byte for byte through export', async () => {
    execFileSync(process.execPath, [MAIN, 'repo', 'init', ...repoArgs]);
    const bytes = 40 * MiB + 12345;
    const piped = await lifeboat(
      ['backup', '--stdin', 'all.sql', '--app', 'shop', ...repoArgs],
      async (stdin) => {
        await writeAll(stdin, bytes, 31);
        stdin.end();
      },
    );
    expect(piped.code, piped.stderr).toBe(0);
    const pipedId = piped.stdout.trim();
    expect(piped.stderr).toContain(`backup ${pipedId} of shop: all.sql, 40.0 MiB from stdin`);
    expect(exportDigest(pipedId, 'shop')).toEqual({ sha256: dataDigest({ bytes, seed: 31 }), bytes });

    // a regular file as stdin (no pipe), JSON output
    const file = join(dir, 'dump.bin');
    writeFileSync(file, Buffer.concat([...realisticBlocks({ bytes: 3 * MiB + 7, seed: 32 })]));
    const fd = openSync(file, 'r');
    const fromFile = spawnSync(
      process.execPath,
      [MAIN, 'backup', '--stdin', 'dump.bin', '--app', 'files', ...repoArgs, '-o', 'json'],
      { stdio: [fd, 'pipe', 'pipe'], env: { ...process.env, LIFEBOAT_REPO_KEY: '' } },
    );
    closeSync(fd);
    expect(fromFile.status, fromFile.stderr.toString()).toBe(0);
    const stats = JSON.parse(fromFile.stdout.toString()) as { id: string; bytes: number; artifact: string };
    expect(stats).toMatchObject({ bytes: 3 * MiB + 7, artifact: 'dump.bin' });
    expect(exportDigest(stats.id, 'files')).toEqual({
      sha256: dataDigest({ bytes: 3 * MiB + 7, seed: 32 }),
      bytes: 3 * MiB + 7,
    });

    // empty input is an empty stream, not an error
    const empty = await lifeboat(['backup', '--stdin', 'none', '--app', 'empty', ...repoArgs], (stdin) => {
      stdin.end();
      return Promise.resolve();
    });
    expect(empty.code, empty.stderr).toBe(0);
    expect(exportDigest(empty.stdout.trim(), 'empty').bytes).toBe(0);
    expect(
      spawnSync(process.execPath, [MAIN, 'verify', '--all', ...repoArgs], { encoding: 'utf8' }).status,
    ).toBe(0);
  }, 120_000);

  it('interrupted (SIGINT) or killed mid-stream: no backup appears; SIGINT also drops its lock', async () => {
    const before = listIds();
    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      const run = await lifeboat(
        ['backup', '--stdin', 'cut.sql', '--app', 'cut', ...repoArgs],
        async (stdin, child) => {
          await writeAll(stdin, 24 * MiB, 33);
          // the producer is still "running": the pipe stays open while the CLI is stopped
          child.kill(signal);
        },
      );
      if (signal === 'SIGINT') expect(run.code).toBe(130);
      else expect(run.signal).toBe('SIGKILL');
    }
    expect(listIds()).toEqual(before);
    // the SIGKILLed run's lock stays until it expires (prune collects it then); the
    // interrupted one removed its own
    expect(readdirSync(join(repo, 'locks')).filter((f) => f.startsWith('backup-'))).toHaveLength(1);
  }, 120_000);

  it('is refused with --db, and where a database is expected (restore, drill)', () => {
    const mixed = spawnSync(
      process.execPath,
      [MAIN, 'backup', '--stdin', 'x', '--db', 'postgres://localhost/db', ...repoArgs],
      { encoding: 'utf8', input: '' },
    );
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('--stdin backs up one piped stream; it cannot be combined with --db');
    const [id] = listIds();
    for (const command of ['restore', 'drill']) {
      const res = spawnSync(process.execPath, [MAIN, command, id ?? '', ...repoArgs], { encoding: 'utf8' });
      expect(res.status).toBe(2);
      expect(res.stderr).toContain(
        'is all.sql as piped into lifeboat backup --stdin: Lifeboat cannot load it into a database',
      );
    }
  }, 60_000);
});

describe('readFd: stdin on a reader thread', () => {
  it('reads a file whole, in full pieces', async () => {
    const file = join(dir, 'pieces.bin');
    const data = Buffer.concat([...realisticBlocks({ bytes: 5 * MiB + 3, seed: 34 })]);
    writeFileSync(file, data);
    const fd = openSync(file, 'r');
    const sizes: number[] = [];
    const hash = createHash('sha256');
    try {
      for await (const piece of readFd(fd, 'the file', { pieceBytes: MiB })) {
        sizes.push(piece.length);
        hash.update(piece);
      }
    } finally {
      closeSync(fd);
    }
    expect(sizes).toEqual([MiB, MiB, MiB, MiB, MiB, 3]);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it.each([
    ['', 'a consumer as fast as the pipe'],
    ['slow', 'a slow consumer: reading pauses whenever every piece is full, and resumes'],
  ])('reads a non-blocking stdin whole (through its own event loop) %s: %s', async (mode) => {
    const bytes = 24 * MiB + 5;
    const child = spawn(process.execPath, [join(import.meta.dirname, '_fd-reader-child.ts'), mode], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // slow at first (the reader waits on an empty, non-blocking stdin), then fast
    await new Promise((resolve) => setTimeout(resolve, 500));
    await writeAll(child.stdin, bytes, 35);
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(JSON.parse(out)).toEqual({ nonBlocking: true, sha256: dataDigest({ bytes, seed: 35 }), bytes });
  });

  it('a consumer that stops early returns at once, though the writer keeps the pipe open', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // 3 MiB, then the writer holds the pipe open for a minute
    const writer = spawn('sh', ['-c', `{ head -c 3145728 /dev/zero; sleep 60; } > ${fifo}`], {
      stdio: 'ignore',
    });
    try {
      const fd = openSync(fifo, 'r');
      const t0 = performance.now();
      let got = 0;
      for await (const piece of readFd(fd, 'the fifo', { pieceBytes: MiB })) {
        got += piece.length;
        if (got >= 2 * MiB) break;
      }
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(got).toBe(2 * MiB);
      closeSync(fd);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});
