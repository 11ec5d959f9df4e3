/**
 * Turns driver failures into `AdapterError`s that say what failed and where, without
 * secrets. The driver's error is not kept as `cause` (it can carry connection options);
 * a plain copy of its name and redacted message is.
 */
import cassandra from 'cassandra-driver';
import { AdapterError } from '../../engine/errors.ts';
import { redactSecrets } from '../../engine/redact.ts';

/** Where an error happened: the member and the node, as printable text. */
export interface ErrorSite {
  readonly workload: string;
  /** `host:port`, never a URL with credentials. */
  readonly server: string;
  /** Secrets to scrub from any message (the password). */
  readonly secrets: readonly string[];
}

function describe(error: unknown): { text: string; auth: boolean; retryable: boolean } {
  if (error instanceof cassandra.errors.NoHostAvailableError) {
    const inner = Object.values(error.innerErrors as Record<string, unknown>);
    const parts = inner.map((e) => describe(e));
    const auth = parts.some((p) => p.auth);
    return {
      text: parts.length > 0 ? parts.map((p) => p.text).join('; ') : error.message,
      auth,
      retryable: !auth,
    };
  }
  if (error instanceof cassandra.errors.AuthenticationError) {
    return { text: error.message, auth: true, retryable: false };
  }
  if (error instanceof cassandra.errors.ResponseError) {
    const codes = cassandra.types.responseErrorCodes;
    const code: number = error.code;
    const retryable = [codes.unavailableException, codes.readTimeout, codes.writeTimeout, codes.overloaded]
      .map(Number)
      .includes(code);
    return { text: error.message, auth: code === (codes.badCredentials as number), retryable };
  }
  if (error instanceof cassandra.errors.OperationTimedOutError) {
    return { text: error.message, auth: false, retryable: true };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { text, auth: false, retryable: /ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(text) };
}

/** Wrap `error` from an operation `what` (e.g. `dump table shop.items`) on `site`. */
export function adapterError(what: string, site: ErrorSite, error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  const d = describe(error);
  const serverMessage = redactSecrets(d.text, site.secrets);
  const hint = d.auth ? ' (authentication failed: check the user name and password in the credentials)' : '';
  const cause = new Error(serverMessage);
  if (error instanceof Error) cause.name = error.name;
  return new AdapterError('cassandra', `cassandra ${what} on ${site.server}: ${serverMessage}${hint}`, {
    workload: site.workload,
    serverMessage,
    retryable: d.retryable,
    cause,
  });
}
