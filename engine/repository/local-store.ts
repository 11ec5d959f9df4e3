/**
 * A repository in a local directory (`file:///path`). Writes go to a temporary file
 * in the same directory tree, are fsynced, then renamed into place and the directory
 * fsynced: a crash leaves either the old state or the whole object, never half of one.
 * With `deferNameSync` (a backup's chunks) the directory fsync waits for `syncNames`,
 * which the backup calls once, before its manifest, for every directory it touched:
 * the file's content is still fsynced before its name appears, so a name that
 * survives a crash always has its whole content.
 * There is no retention enforcement here (`supportsLock` is false).
 */
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import {
  NotFoundError,
  ObjectExistsError,
  ShortObjectError,
  type LockMode,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

const TMP = '.tmp';

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

export class LocalStore implements ObjectStore {
  readonly root: string;
  readonly location: string;
  readonly supportsLock = false;
  /** Directories known to exist, to skip repeated mkdir calls. */
  readonly #dirs = new Set<string>();

  constructor(root: string) {
    this.root = root;
    this.location = `file://${root}`;
  }

  #path(key: string): string {
    if (key.split('/').some((p) => p === '..' || p === '' || p === '.'))
      throw new Error(`bad object key ${key}`);
    return join(this.root, ...key.split('/'));
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.#dirs.add(dir);
  }

  readonly streamsPuts = true;

  async put(
    key: string,
    body: readonly Buffer[] | Readable | AsyncIterable<Buffer>,
    options: PutOptions = {},
  ): Promise<void> {
    const target = this.#path(key);
    const tmpDir = join(this.root, TMP);
    await this.#ensureDir(tmpDir);
    await this.#ensureDir(dirname(target));
    const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
    const handle = await open(tmp, 'w');
    try {
      if (Array.isArray(body)) {
        await handle.writev(body as Buffer[]);
      } else {
        for await (const piece of body as AsyncIterable<Buffer>) await handle.write(piece);
      }
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    if (options.ifNoneMatch) {
      // link() fails when the target exists: create-if-absent, atomically
      try {
        await link(tmp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new ObjectExistsError(key, { cause: error });
        throw error;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    } else {
      await rename(tmp, target);
    }
    if (!options.deferNameSync) await this.#syncDir(dirname(target));
  }

  async syncNames(keys: Iterable<string>): Promise<void> {
    const dirs = [...new Set(Array.from(keys, (key) => dirname(this.#path(key))))];
    // a few at a time: each is a small metadata write, and there are at most a few hundred
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let dir = dirs[next++]; dir !== undefined; dir = dirs[next++]) {
        try {
          await this.#syncDir(dir);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, dirs.length) }, worker));
  }

  async #syncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(key);
      throw error;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    let handle;
    try {
      handle = await open(this.#path(key), 'r');
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(key);
      throw error;
    }
    try {
      const out = Buffer.allocUnsafeSlow(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(out, got, length - got, offset + got);
        if (bytesRead === 0) throw new ShortObjectError(key, offset, length, got);
        got += bytesRead;
      }
      return out;
    } finally {
      await handle.close();
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.#path(key);
    try {
      await stat(path);
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(key);
      throw error;
    }
    return createReadStream(path, { highWaterMark: 1024 * 1024 });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.#path(key));
      return { key, size: s.size };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // walk the directory that contains the prefix, filter by the full key
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? this.root : join(this.root, ...prefix.slice(0, slash).split('/'));
    yield* this.#walk(base, prefix);
  }

  async *#walk(dir: string, prefix: string): AsyncIterable<ObjectInfo> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const key = relative(this.root, path).split(sep).join('/');
      if (key === TMP || key.startsWith(`${TMP}/`)) continue;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.#walk(path, prefix);
      } else if (key.startsWith(prefix)) {
        const s = await stat(path).catch(() => undefined);
        if (s) yield { key, size: s.size };
      }
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async extendRetention(_key: string, _mode: LockMode, _until: Date): Promise<void> {
    // nothing to extend: a local directory enforces no retention
  }

  async sweep(before: Date): Promise<number> {
    const dir = join(this.root, TMP);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(dir, name);
      const s = await stat(path).catch(() => undefined);
      if (s && s.mtimeMs < before.getTime()) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
