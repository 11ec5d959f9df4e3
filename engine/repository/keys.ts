/**
 * Repository keys. The customer-managed master secret (a file or `LIFEBOAT_REPO_KEY`)
 * is stretched with scrypt using the repository's salt, then split with HKDF into
 * independent sub-keys: chunk encryption, chunk ids, gear table, key check. The key
 * itself is never stored; the config holds only a key check, so a wrong key fails
 * clearly instead of producing garbage.
 */
import { createHmac, hkdfSync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RepositoryError } from '../errors.ts';

/** Environment variable holding the repository key (any secret text of ≥ 16 characters). */
export const KEY_ENV = 'LIFEBOAT_REPO_KEY';

export interface RepositoryKeys {
  /** AES-256-GCM key of chunks and manifests. */
  readonly data: Buffer;
  /** HMAC-SHA256 key of chunk ids. */
  readonly id: Buffer;
  /** Seed of the keyed gear table. */
  readonly gear: Buffer;
  /** Proves the key without revealing it; stored in the repository config. */
  readonly check: string;
}

/** scrypt cost: ~0.1 s once per open, so a guessed passphrase costs an attacker too. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** Random salt of a new repository, hex. */
export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/** Derive all sub-keys from the secret and the repository salt. Deterministic. */
export function deriveKeys(secret: Uint8Array, saltHex: string): RepositoryKeys {
  if (secret.length < 16) {
    throw new RepositoryError(
      'repository key is too short: use at least 16 characters (32 random bytes recommended)',
    );
  }
  const salt = Buffer.from(saltHex, 'hex');
  const master = scryptSync(secret, salt, 32, SCRYPT);
  const sub = (info: string): Buffer =>
    Buffer.from(hkdfSync('sha256', master, salt, `lifeboat/v1/${info}`, 32));
  const checkKey = sub('check');
  return {
    data: sub('data'),
    id: sub('id'),
    gear: sub('gear'),
    check: createHmac('sha256', checkKey).update('lifeboat key check').digest('hex'),
  };
}

/** True when `keys` were derived from the key that created the repository. */
export function keyMatches(keys: RepositoryKeys, storedCheck: string): boolean {
  const a = Buffer.from(keys.check, 'hex');
  const b = Buffer.from(storedCheck, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface KeySourceOptions {
  /** Path of a file holding the key; surrounding whitespace is ignored. */
  readonly keyFile?: string;
  /** Environment to read `LIFEBOAT_REPO_KEY` from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The key secret from `keyFile`, else from `LIFEBOAT_REPO_KEY`, else undefined
 * (an unencrypted repository). Messages name the source, never the secret.
 */
export function loadKeySecret(options: KeySourceOptions = {}): Buffer | undefined {
  if (options.keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.keyFile, 'utf8');
    } catch (error) {
      throw new RepositoryError(
        `cannot read key file ${options.keyFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        {},
        { cause: error },
      );
    }
    const trimmed = text.trim();
    if (!trimmed) throw new RepositoryError(`key file ${options.keyFile} is empty`);
    return Buffer.from(trimmed, 'utf8');
  }
  const value = (options.env ?? process.env)[KEY_ENV]?.trim();
  return value ? Buffer.from(value, 'utf8') : undefined;
}
