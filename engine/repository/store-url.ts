/**
 * Repository URLs → object stores.
 *   file:///abs/path                       local directory
 *   s3://bucket/prefix?endpoint=http://host:9000&region=us-east-1&pathStyle=true
 * S3 credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID…, profiles),
 * never from the URL, so they cannot leak through argv or messages.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import { LocalStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';
import type { S3StoreOptions } from './s3-store.ts';

export type StoreSpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 's3'; readonly options: S3StoreOptions };

/** Parse a repository URL; throws UsageError naming what is wrong. */
export function parseRepositoryUrl(url: string): StoreSpec {
  if (!url.includes('://')) return { kind: 'file', path: resolve(url) };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid repository URL "${url}"`);
  }
  if (parsed.protocol === 'file:') return { kind: 'file', path: fileURLToPath(parsed) };
  if (parsed.protocol === 's3:') {
    if (parsed.username || parsed.password) {
      throw new UsageError(
        'put S3 credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile, not in the URL',
      );
    }
    const bucket = parsed.hostname;
    if (!bucket) throw new UsageError(`repository URL "${url}" names no bucket`);
    const q = parsed.searchParams;
    const known = new Set(['endpoint', 'region', 'pathStyle']);
    for (const key of q.keys())
      if (!known.has(key)) throw new UsageError(`unknown repository URL option "${key}"`);
    const prefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
    const endpoint = q.get('endpoint') ?? undefined;
    const region = q.get('region') ?? undefined;
    const pathStyle = q.get('pathStyle');
    return {
      kind: 's3',
      options: {
        bucket,
        ...(prefix ? { prefix } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(region ? { region } : {}),
        ...(pathStyle !== null ? { forcePathStyle: pathStyle === 'true' || pathStyle === '1' } : {}),
      },
    };
  }
  throw new UsageError(`unsupported repository URL scheme "${parsed.protocol}" (use file:// or s3://)`);
}

/**
 * Open the object store a URL names. The AWS SDK is loaded only for `s3://` URLs: a
 * local repository does not pay its start-up time and heap.
 */
export async function openStore(
  url: string,
  s3Overrides: Partial<S3StoreOptions> = {},
): Promise<ObjectStore> {
  const spec = parseRepositoryUrl(url);
  if (spec.kind === 'file') return new LocalStore(spec.path);
  const { S3Store } = await import('./s3-store.ts');
  return new S3Store({ ...spec.options, ...s3Overrides });
}
