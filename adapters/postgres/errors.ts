/** Turning driver and tool failures into AdapterErrors that never carry a password. */
import { AdapterError, CancelledError } from '../../engine/errors.ts';
import { redactSecrets } from '../../engine/redact.ts';
import type { Workload } from '../../engine/model/index.ts';

/** SQLSTATEs after which repeating the operation may succeed. */
const RETRYABLE_STATES = new Set([
  '40001', // serialization_failure; also "canceling statement due to conflict with recovery"
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57P01', // admin_shutdown
  '08006', // connection_failure
  '08001', // sqlclient_unable_to_establish_sqlconnection
]);

interface PgLikeError {
  readonly code?: string;
  readonly message?: string;
  readonly detail?: string;
}

/**
 * True for a standby cancelling our query (SQLSTATE 40001) or ending our session (40001,
 * or 57P04 when replay drops the database) because WAL replay needed what we read.
 * Wrapped errors are followed through `cause`.
 */
export function isRecoveryConflict(error: unknown): boolean {
  for (let e = error, depth = 0; e != null && depth < 8; depth++) {
    const { message } = e as PgLikeError;
    if (typeof message === 'string' && /conflict with recovery/i.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * A replica-strategy capture was cut off by a recovery conflict on the standby. Not
 * retryable as a phase: the capture's artifacts were already streaming into the backup,
 * which refuses to rewrite them, so a retry must be a new backup (fresh snapshot, fresh
 * artifacts). The message names the standby, the conflict and the settings that avoid it.
 */
export class RecoveryConflictError extends AdapterError {
  /** `host:port` of the standby that cancelled the capture. */
  readonly standby: string;

  constructor(workload: Workload, standby: string, cause: unknown) {
    const serverMessage = cause instanceof AdapterError ? cause.serverMessage : undefined;
    super(
      'postgres',
      `recovery conflict on standby ${standby}: WAL replay cancelled the replica-strategy dump ` +
        `(rows it was reading were removed on the primary${serverMessage ? `: ${serverMessage}` : ''}); ` +
        'the capture was abandoned and nothing of it is kept. Fix: set hot_standby_feedback = on on the standby, ' +
        'or raise its max_standby_streaming_delay above the dump duration, then run the backup again',
      { workload: workload.name, retryable: false, cause, ...(serverMessage ? { serverMessage } : {}) },
    );
    this.standby = standby;
  }
}

/**
 * Wrap `error` as an AdapterError saying `what` failed on `workload`. The server's
 * message is kept (redacted of the workload's password); recovery conflicts and lock
 * timeouts are marked retryable with a hint.
 */
export function adapterError(
  workload: Workload,
  what: string,
  error: unknown,
): AdapterError | CancelledError {
  if (error instanceof AdapterError || error instanceof CancelledError) return error;
  const secrets = workload.credentials.password ? [workload.credentials.password] : [];
  const e = (error ?? {}) as PgLikeError;
  const raw = typeof e.message === 'string' ? e.message : String(error);
  const serverMessage = redactSecrets(raw, secrets);
  const conflict = isRecoveryConflict(error);
  const hint = conflict
    ? ' (recovery conflict on the standby: retry, or set hot_standby_feedback=on and/or raise max_standby_streaming_delay on it)'
    : '';
  const retryable = conflict || (e.code !== undefined && RETRYABLE_STATES.has(e.code));
  return new AdapterError('postgres', `${what}: ${serverMessage}${hint}`, {
    workload: workload.name,
    serverMessage,
    retryable,
    cause: secrets.length > 0 ? new Error(serverMessage) : error,
  });
}

/** Throw a CancelledError when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal, workload: Workload): void {
  if (signal.aborted) throw new CancelledError('postgres operation cancelled', { workload: workload.name });
}

/**
 * After a failure: a CancelledError (keeping the failure as cause) when `signal` was
 * aborted, since the failure is then only the consequence of closing connections.
 */
export function cancelledOr(workload: Workload, signal: AbortSignal, error: unknown): unknown {
  if (!signal.aborted || error instanceof CancelledError) return error;
  return new CancelledError('postgres operation cancelled', { workload: workload.name, cause: error });
}
