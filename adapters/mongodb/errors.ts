/**
 * Turns driver and server failures into `AdapterError`s that say what failed and where,
 * without secrets. The driver's error is not kept as `cause` (it can carry connection
 * details); a plain copy of its code and message is.
 */
import { AdapterError } from '../../engine/errors.ts';
import { redactSecrets } from '../../engine/redact.ts';

/** Where an error happened: the member and the server, as printable text. */
export interface ErrorSite {
  readonly workload: string;
  /** `host:port[,host:port]`, never a URL with credentials. */
  readonly server: string;
  /** Secrets to scrub from any message (the password). */
  readonly secrets: readonly string[];
}

/** Server error codes that may succeed when the operation is repeated. */
const RETRYABLE_CODES = new Set([
  6 /* HostUnreachable */, 7 /* HostNotFound */, 89 /* NetworkTimeout */, 91 /* ShutdownInProgress */,
  189 /* PrimarySteppedDown */, 10107 /* NotWritablePrimary */, 11600 /* InterruptedAtShutdown */,
  11602 /* InterruptedDueToReplStateChange */, 13435 /* NotPrimaryNoSecondaryOk */,
]);
const RETRYABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
]);

/** Code of the server's "no such command" reply (FerretDB and MongoDB alike). */
export const COMMAND_NOT_FOUND = 59;
/** FerretDB's reply for commands and options it has not implemented. */
export const NOT_IMPLEMENTED = 238;

interface DriverErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly codeName?: unknown;
  readonly message?: unknown;
}

/** The numeric server error code of `error`, if it has one. */
export function errorCode(error: unknown): number | undefined {
  const code = (error as DriverErrorShape | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Plain message of any thrown value. */
export function messageOf(error: unknown): string {
  const m = (error as DriverErrorShape | null)?.message;
  return typeof m === 'string' ? m : String(error);
}

/**
 * Wrap `error` from an operation `what` (e.g. `dump collection shop.items`) on `site`.
 * Authentication failures get a message that names the user problem plainly.
 */
export function adapterError(
  what: string,
  site: ErrorSite,
  error: unknown,
  retryable?: boolean,
): AdapterError {
  if (error instanceof AdapterError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverErrorShape;
  const serverMessage = redactSecrets(messageOf(error), site.secrets);
  const code = errorCode(error);
  const name = typeof e.name === 'string' ? e.name : undefined;
  const authFailed = code === 18 || /Authentication failed/i.test(serverMessage);
  const hint = authFailed ? ' (check the user name and password in the credentials)' : '';
  const cause = new Error(serverMessage);
  if (code !== undefined) Object.assign(cause, { code });
  return new AdapterError('mongodb', `mongodb ${what} on ${site.server}: ${serverMessage}${hint}`, {
    workload: site.workload,
    serverMessage,
    retryable:
      retryable ??
      (!authFailed &&
        ((code !== undefined && RETRYABLE_CODES.has(code)) ||
          (name !== undefined && RETRYABLE_NAMES.has(name)))),
    cause,
  });
}
