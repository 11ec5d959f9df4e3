import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCacheDir, IndexCache } from '../../../engine/repository/index-cache.ts';

const root = mkdtempSync(join(tmpdir(), 'lifeboat-index-cache-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('index cache (local files)', () => {
  it('keeps an object with its version, replaces it, and forgets indexes the repository no longer has', async () => {
    const cache = new IndexCache(root, 'abcdef0123456789');
    expect(cache.directory).toBe(join(root, 'repositories', 'abcdef0123456789', 'index'));
    expect(await cache.read('b1')).toBeUndefined();
    await cache.write('b1', '"etag-1"', Buffer.from('sealed one'));
    await cache.write('b2', '"etag-2"', Buffer.from('sealed\ntwo'));
    expect(await cache.read('b1')).toEqual({ version: '"etag-1"', object: Buffer.from('sealed one') });
    await cache.write('b1', '"etag-3"', Buffer.from('rewritten'));
    expect(await cache.read('b1')).toEqual({ version: '"etag-3"', object: Buffer.from('rewritten') });
    // a newline inside the object is data, not a separator
    expect((await cache.read('b2'))?.object.toString()).toBe('sealed\ntwo');
    writeFileSync(join(cache.directory, '.tmp-left-by-a-crash'), 'x');
    writeFileSync(join(cache.directory, 'not-an-entry'), '');
    await cache.retainOnly(new Set(['b2', 'not-an-entry']));
    expect(readdirSync(cache.directory).sort()).toEqual(['b2', 'not-an-entry']);
    // malformed entries read as absent
    expect(await cache.read('not-an-entry')).toBeUndefined();
    await cache.delete('b2');
    expect(await cache.read('b2')).toBeUndefined();
  });

  it('never writes outside its directory, and a cache it cannot write is only slower', async () => {
    const cache = new IndexCache(root, 'r2');
    await cache.write('../escape', 'v', Buffer.from('x'));
    await cache.write('ok', 'bad\nversion', Buffer.from('x'));
    expect(await cache.read('../escape')).toBeUndefined();
    expect(await cache.read('ok')).toBeUndefined();
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    const unwritable = new IndexCache(file, 'r3'); // its root is a file: mkdir fails
    await expect(unwritable.write('b1', 'v', Buffer.from('x'))).resolves.toBeUndefined();
    expect(await unwritable.read('b1')).toBeUndefined();
  });

  it('lives under LIFEBOAT_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache; "off" turns it off', () => {
    expect(defaultCacheDir({ LIFEBOAT_CACHE_DIR: '/var/cache/lb' })).toBe('/var/cache/lb');
    expect(defaultCacheDir({ LIFEBOAT_CACHE_DIR: 'off' })).toBeUndefined();
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/lifeboat');
    expect(defaultCacheDir({})).toMatch(/\/\.cache\/lifeboat$/);
  });
});
