/**
 * Turns driver and server failures into `AdapterError`s that say what failed and where,
 * without secrets. The driver's own error object is not kept as `cause` (it can carry
 * connection details); a plain copy of its code and message is.
 */
import { AdapterError } from '../../engine/errors.ts';
import { redactSecrets } from '../../engine/redact.ts';

/** Server error numbers (and client codes) that may succeed when the operation is repeated. */
const RETRYABLE_ERRNOS = new Set([
  1205 /* lock wait timeout */, 1213 /* deadlock */, 1040 /* too many connections */,
]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'EPIPE',
]);

interface DriverErrorShape {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly sqlMessage?: unknown;
  readonly message?: unknown;
}

/** Where an error happened: the member and the server, as printable text. */
export interface ErrorSite {
  readonly workload: string;
  /** `host:port`, never a URL with credentials. */
  readonly server: string;
  /** Secrets to scrub from any message (the password). */
  readonly secrets: readonly string[];
}

/**
 * Wrap `error` from an operation `what` (e.g. `dump table shop.items`) on `site`.
 * Access-denied errors get a message that names the user problem plainly.
 */
export function adapterError(
  what: string,
  site: ErrorSite,
  error: unknown,
  retryable?: boolean,
): AdapterError {
  if (error instanceof AdapterError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverErrorShape;
  const raw =
    typeof e.sqlMessage === 'string'
      ? e.sqlMessage
      : typeof e.message === 'string'
        ? e.message
        : String(error);
  const serverMessage = redactSecrets(raw, site.secrets);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const denied = code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045;
  const hint = denied ? ' (check the user name and password in the credentials)' : '';
  const cause = new Error(serverMessage);
  if (code !== undefined) Object.assign(cause, { code });
  return new AdapterError('mysql', `mysql ${what} on ${site.server}: ${serverMessage}${hint}`, {
    workload: site.workload,
    serverMessage,
    retryable:
      retryable ??
      ((errno !== undefined && RETRYABLE_ERRNOS.has(errno)) ||
        (code !== undefined && RETRYABLE_CODES.has(code))),
    cause,
  });
}
