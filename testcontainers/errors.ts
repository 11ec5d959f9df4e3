import { LifeboatError } from '../engine/errors.ts';

/**
 * A test server could not be started or reached. The message names the server, what to
 * run to install it (`testcontainers/install <component>`) when it is missing, and the
 * log file that was kept for inspection.
 */
export class TestServerError extends LifeboatError {
  readonly server: string;
  readonly logPath: string | undefined;

  constructor(server: string, message: string, options: { logPath?: string; cause?: unknown } = {}) {
    const where = options.logPath ? ` (log kept at ${options.logPath})` : '';
    super(`test server ${server}: ${message}${where}`, { cause: options.cause });
    this.server = server;
    this.logPath = options.logPath;
  }
}

/** The error for a server with neither an endpoint variable nor a local binary. */
export function notInstalled(
  server: string,
  what: string,
  component: string,
  envVar: string,
): TestServerError {
  return new TestServerError(
    server,
    `${what} not found; install it with \`testcontainers/install ${component}\` ` +
      `or point ${envVar} at a running server`,
  );
}
