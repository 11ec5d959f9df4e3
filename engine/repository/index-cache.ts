/**
 * A local copy of the repository's index objects, for stores where reading is costly
 * (S3). Each backup starts by reading every index to deduplicate against it, and an
 * index lists every chunk its backup references (~45 bytes per MiB backed up), so
 * without a cache a repository of many large backups re-downloads all of them at every
 * start.
 *
 * The cache never decides on its own that an entry is current. An entry is the sealed
 * object (still encrypted and authenticated) plus the store's version of it (the S3
 * ETag), and it is used only when the store, asked for the object "unless it is still
 * this version", answers that it is (HTTP 304). An index that prune rewrote (repack)
 * has another version, so the new one is fetched. A stale entry would make a new backup
 * record where a chunk used to lie. A damaged entry fails authentication and is
 * fetched again.
 *
 * Errors of the cache itself (no space, no permission) only turn it off for that
 * object: the store stays the source of truth.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** `LIFEBOAT_CACHE_DIR`, else `$XDG_CACHE_HOME/lifeboat`, else `~/.cache/lifeboat`; `off` turns caching off. */
export const CACHE_DIR_ENV = 'LIFEBOAT_CACHE_DIR';

/** The cache root from the environment, or undefined when caching is turned off. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env[CACHE_DIR_ENV];
  if (configured === 'off') return undefined;
  if (configured) return configured;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lifeboat');
}

/** A cached object and the store's version of it. */
export interface CachedObject {
  readonly version: string;
  readonly object: Buffer;
}

/** Backup ids are the only names here; anything else in the directory is not ours. */
const NAME = /^[0-9A-Za-z._-]{1,200}$/;

export class IndexCache {
  readonly #dir: string;

  /** `root`: the cache root; entries go to `<root>/repositories/<repository id>/index/`. */
  constructor(root: string, repositoryId: string) {
    this.#dir = join(root, 'repositories', repositoryId, 'index');
  }

  get directory(): string {
    return this.#dir;
  }

  /** The entry of `backupId`, or undefined (absent, unreadable or malformed). */
  async read(backupId: string): Promise<CachedObject | undefined> {
    if (!NAME.test(backupId)) return undefined;
    let file: Buffer;
    try {
      file = await readFile(join(this.#dir, backupId));
    } catch {
      return undefined;
    }
    const newline = file.indexOf(0x0a);
    if (newline <= 0) return undefined;
    return { version: file.subarray(0, newline).toString('utf8'), object: file.subarray(newline + 1) };
  }

  /** Store (replace) the entry of `backupId`, atomically: a reader sees the old or the new one. */
  async write(backupId: string, version: string, object: Buffer): Promise<void> {
    if (!NAME.test(backupId) || version.includes('\n')) return;
    const tmp = join(this.#dir, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(tmp, [Buffer.from(`${version}\n`, 'utf8'), object], { mode: 0o600 });
      await rename(tmp, join(this.#dir, backupId));
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async delete(backupId: string): Promise<void> {
    if (NAME.test(backupId)) await rm(join(this.#dir, backupId), { force: true }).catch(() => undefined);
  }

  /** Remove the entries of indexes the repository no longer has (and leftover temporary files). */
  async retainOnly(backupIds: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((name) => name.startsWith('.tmp-') || (NAME.test(name) && !backupIds.has(name)))
        .map((name) => rm(join(this.#dir, name), { force: true }).catch(() => undefined)),
    );
  }
}
