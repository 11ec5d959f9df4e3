/**
 * The `lifeboat` CLI against a private file repository, for end-to-end tests: running it,
 * backing up, reading a backup's members, and the data-directory restore checks every
 * physical engine shares (bad usage without a directory, refusal of a non-empty one,
 * refusal of a directory for a logical member).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa, type Result } from 'execa';
import { expect } from 'vitest';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');

/** The JSON of `restore --to NAME=file:///DIR -o json`. */
export interface DataDirRestore {
  readonly verified: boolean;
  readonly dataDirs: { member: string; dataDir: string; nextSteps?: string[] }[];
}

export interface CliRepo {
  /** The private work directory (the repository and its key live under it). */
  readonly work: string;
  /** `--repo … --key-file …`. */
  readonly repoArgs: readonly string[];
  /** Runs the CLI with `args` (never rejects; stdout+stderr in `all`). */
  cli(args: readonly string[]): Promise<Result<{ reject: false; all: true }>>;
  /** `backup ARGS -o json` into the repository, expected to succeed; its id. */
  backup(args: readonly string[]): Promise<string>;
  /** The members of backup `id` as `list ID -o json` shows them. */
  members<M>(id: string): Promise<M[]>;
  /** `restore ID` with no directory for physical member `member`: bad usage naming `--to`. */
  expectDirectoryRequired(id: string, member: string): Promise<void>;
  /**
   * Restoring again into the non-empty `dataDir` (`target` names it) is refused without
   * `--force` and leaves `kept` there; with `--force` it succeeds: its JSON, checked to be
   * unverified and to name `member`'s `dataDir`.
   */
  expectNonEmptyRefusedThenForced(
    id: string,
    member: string,
    target: string,
    dataDir: string,
    kept: readonly string[],
  ): Promise<DataDirRestore>;
  /** Backs `url` up as the logical member `logical`; a directory for it is bad usage. */
  expectDirectoryRefusedForLogical(url: string): Promise<void>;
  /** Removes the work directory. */
  dispose(): Promise<void>;
}

/** A fresh repository under a new temp directory `prefix…`; the CLI runs with `password`. */
export async function cliRepo(prefix: string, password: string): Promise<CliRepo> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const keyFile = join(work, 'key');
  await writeFile(keyFile, randomBytes(32).toString('base64'));
  const repoArgs = ['--repo', `file://${join(work, 'repo')}`, '--key-file', keyFile];
  const cli = (args: readonly string[]) =>
    execa(process.execPath, [CLI, ...args], {
      env: { LIFEBOAT_DB_PASSWORD: password },
      reject: false,
      all: true,
    });
  const backup = async (args: readonly string[]): Promise<string> => {
    const result = await cli(['backup', ...args, '-o', 'json', ...repoArgs]);
    expect(result.exitCode, result.all).toBe(0);
    return (JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { id: string }).id;
  };
  const init = await cli(['repo', 'init', ...repoArgs]);
  expect(init.exitCode, init.all).toBe(0);
  return {
    work,
    repoArgs,
    cli,
    backup,
    async members<M>(id: string): Promise<M[]> {
      const shown = await cli(['list', id, '-o', 'json', ...repoArgs]);
      expect(shown.exitCode, shown.all).toBe(0);
      return (JSON.parse(shown.stdout) as { members: M[] }).members;
    },
    async expectDirectoryRequired(id, member) {
      const noDir = await cli(['restore', id, ...repoArgs]);
      expect(noDir.exitCode).toBe(2);
      expect(noDir.stderr).toContain(`--to ${member}=file:///path/to/datadir`);
    },
    async expectNonEmptyRefusedThenForced(id, member, target, dataDir, kept) {
      const again = await cli(['restore', id, '--to', target, ...repoArgs]);
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toMatch(/is not empty.*--force/);
      expect(await readdir(dataDir)).toEqual(expect.arrayContaining([...kept]));
      const forced = await cli(['restore', id, '--to', target, '--force', '-o', 'json', ...repoArgs]);
      expect(forced.exitCode, forced.all).toBe(0);
      const json = JSON.parse(forced.stdout.trim().split('\n').at(-1) ?? '{}') as DataDirRestore;
      expect(json.verified).toBe(false);
      expect(json.dataDirs.map((d) => [d.member, d.dataDir])).toEqual([[member, dataDir]]);
      return json;
    },
    async expectDirectoryRefusedForLogical(url) {
      const id = await backup(['--db', `logical=${url}`]);
      const result = await cli([
        'restore',
        id,
        '--to',
        `logical=${pathToFileURL(join(work, 'nowhere')).toString()}`,
        ...repoArgs,
      ]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/receives only a physical capture.*give a database URL/);
    },
    dispose: () => rm(work, { recursive: true, force: true }),
  };
}
