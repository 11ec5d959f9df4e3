/**
 * The repository config object (`config`): the first object written, never
 * rewritten. It holds no secret: the key salt, a key check, chunking parameters and
 * the object-lock default.
 */
import { z } from 'zod';

export const CONFIG_KEY = 'config';
/** 2: chunks in packs with per-backup indexes (1 stored one object per chunk). */
export const REPOSITORY_VERSION = 2;

export const RepositoryConfigSchema = z.object({
  version: z.literal(REPOSITORY_VERSION),
  id: z.string(),
  createdAt: z.string(),
  chunker: z.object({ min: z.number().int(), avg: z.number().int(), max: z.number().int() }),
  compression: z.object({ algorithm: z.literal('zstd'), level: z.number().int().min(0).max(22) }),
  /** null: an unencrypted repository (init warned about it). */
  encryption: z
    .object({
      cipher: z.literal('aes-256-gcm'),
      kdf: z.literal('scrypt+hkdf-sha256'),
      salt: z.string(),
      keyCheck: z.string(),
    })
    .nullable(),
  /** Default Object Lock applied to every object; null when not used. */
  lock: z
    .object({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE']), days: z.number().int().positive() })
    .nullable(),
});

export type RepositoryConfig = z.infer<typeof RepositoryConfigSchema>;
