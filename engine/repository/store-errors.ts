/**
 * Turns backend failures into one-line RepositoryErrors that say what is wrong
 * (unreachable endpoint, missing bucket, rejected credentials, no permission) and
 * where, keeping the original as `cause` for `--debug`.
 */
import { RepositoryError } from '../errors.ts';
import { NotFoundError, ObjectExistsError, ObjectLockedError } from './object-store.ts';

interface SdkLike {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Classify an error of a store operation on `location` while doing `what`. */
export function describeStoreError(error: unknown, location: string, what: string): RepositoryError {
  if (error instanceof RepositoryError) return error;
  const e = (error ?? {}) as SdkLike;
  const name = e.name ?? e.Code ?? '';
  const code = e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  let reason: string;
  let retryable = false;
  if (error instanceof ObjectLockedError) reason = `${error.key} is protected by object lock retention`;
  else if (error instanceof NotFoundError) reason = `${error.key} does not exist`;
  else if (error instanceof ObjectExistsError) reason = `${error.key} already exists`;
  else if (
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) ||
    name === 'TimeoutError'
  ) {
    reason = `endpoint unreachable (${code || name})`;
    retryable = true;
  } else if (name === 'NoSuchBucket') reason = 'bucket does not exist';
  else if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'CredentialsProviderError', 'ExpiredToken'].includes(name)
  ) {
    reason = `credentials rejected (${name}); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE`;
  } else if (name === 'AccessDenied' || status === 403) reason = 'permission denied';
  else if (code === 'EACCES' || code === 'EPERM') reason = 'permission denied';
  else if (code === 'ENOSPC') reason = 'no space left on device';
  else if (code === 'ENOENT') reason = 'path does not exist';
  else reason = `${name || code || 'error'}${e.message ? `: ${e.message.split('\n')[0] ?? ''}` : ''}`;
  return new RepositoryError(`repository ${location}: ${what}: ${reason}`, {}, { cause: error, retryable });
}
