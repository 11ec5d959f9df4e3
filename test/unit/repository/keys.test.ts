import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepositoryError } from '../../../engine/errors.ts';
import { chunkIdFunction, isChunkId } from '../../../engine/repository/chunk-id.ts';
import { deriveKeys, keyMatches, loadKeySecret, newSalt } from '../../../engine/repository/keys.ts';

const secret = Buffer.from('correct horse battery staple');

describe('keys', () => {
  const salt = newSalt();
  const keys = deriveKeys(secret, salt);

  it('derives independent 32-byte sub-keys, deterministically', () => {
    expect(new Set([keys.data, keys.id, keys.gear].map((k) => k.toString('hex'))).size).toBe(3);
    for (const k of [keys.data, keys.id, keys.gear]) expect(k.length).toBe(32);
    expect(deriveKeys(secret, salt).data.equals(keys.data)).toBe(true);
  });

  it.each([
    ['same key', secret, salt, true],
    ['other key', Buffer.from('correct horse battery stapler'), salt, false],
    ['other salt', secret, newSalt(), false],
  ])('key check: %s → %s', (_l, s, saltHex, ok) => {
    expect(keyMatches(deriveKeys(s, saltHex), keys.check)).toBe(ok);
  });

  it('rejects a short key', () => {
    expect(() => deriveKeys(Buffer.from('short'), salt)).toThrow(RepositoryError);
  });

  it.each([
    [
      'file wins over env',
      { file: '  from-file-0123456789 \n', env: 'from-env-0123456789' },
      'from-file-0123456789',
    ],
    ['env', { env: ' from-env-0123456789 ' }, 'from-env-0123456789'],
    ['none', {}, undefined],
  ])('loadKeySecret: %s', (_l, given: { file?: string; env?: string }, expected) => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-key-'));
    const keyFile = given.file === undefined ? undefined : join(dir, 'key');
    if (keyFile && given.file !== undefined) writeFileSync(keyFile, given.file);
    const got = loadKeySecret({ ...(keyFile ? { keyFile } : {}), env: { LIFEBOAT_REPO_KEY: given.env } });
    expect(got?.toString('utf8')).toBe(expected);
  });

  it('names a missing key file without leaking anything', () => {
    expect(() => loadKeySecret({ keyFile: '/nonexistent/key' })).toThrow(
      /cannot read key file \/nonexistent\/key: ENOENT/,
    );
  });

  it.each([
    ['keyed', keys.id],
    ['plain', undefined],
  ])('chunk ids (%s) are 64 hex chars and content-dependent', (_l, k) => {
    const id = chunkIdFunction(k);
    expect(isChunkId(id(Buffer.from('a')))).toBe(true);
    expect(id(Buffer.from('a'))).not.toBe(id(Buffer.from('b')));
  });

  it('keyed ids differ from plain SHA-256 ids', () => {
    expect(chunkIdFunction(keys.id)(Buffer.from('a'))).not.toBe(chunkIdFunction(undefined)(Buffer.from('a')));
  });
});
