/**
 * What every test server handle looks like, whichever way it was obtained (an endpoint
 * from the environment or a private process started from a local binary).
 */
export interface TestServer {
  /** Short server name as printed by `servers:check`: `postgres`, `mariadb-replica`, … */
  readonly name: string;
  /** A connection URL a driver accepts. Holds credentials: never log it unredacted. */
  readonly url: string;
  /** Loopback host the server listens on (`127.0.0.1` for local servers). */
  readonly host: string;
  readonly port: number;
  /** The server's own version as it reports it, e.g. `15.14`. */
  readonly version: string;
  /** Private directory of a local server (removed by `stop`); `''` for an external endpoint. */
  readonly dataDir: string;
  /** The server's log file; kept when start fails. `''` for an external endpoint. */
  readonly logPath: string;
  /** Seconds from the start request until the server answered a real request. */
  readonly startSeconds: number;
  /** True when the endpoint came from an environment variable: `stop` leaves it running. */
  readonly external: boolean;
  /** Stops the server and removes its directory. Idempotent; a no-op for external ones. */
  stop(): Promise<void>;
}

/** A server handle as shared through the broker: plain data, no `stop`. */
export type SharedServer<T extends TestServer> = Omit<T, 'stop'>;
