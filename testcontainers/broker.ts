/**
 * A tiny loopback HTTP service that owns the shared test servers of one test run: Vitest
 * workers ask it for a server by name (`useServer`), it starts each on first request and
 * hands every later request the same one. Started and stopped by `global-setup.ts`.
 */
import { createServer } from 'node:http';
import { ServerPool, isServerName } from './registry.ts';

export interface Broker {
  /** `http://127.0.0.1:<port>`; handed to workers. */
  readonly url: string;
  /** Stops every server started through the broker, then the broker itself. */
  stop(): Promise<void>;
}

/** Starts the broker on a free loopback port. No server starts until one is requested. */
export async function startBroker(): Promise<Broker> {
  const pool = new ServerPool();
  const http = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/servers\//, ''));
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!isServerName(name)) {
      reply(404, { error: `unknown test server "${name}"` });
      return;
    }
    pool.get(name).then(
      (server) => {
        reply(200, server); // JSON drops `stop`: only the broker stops shared servers
      },
      (err: unknown) => {
        reply(500, { error: err instanceof Error ? err.message : String(err) });
      },
    );
  });
  // Cassandra may take a minute to start; never time the request out on our side.
  http.requestTimeout = 0;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  if (address === null || typeof address === 'string') throw new Error('broker: no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async stop() {
      await pool.stopAll();
      await new Promise<void>((resolve) =>
        http.close(() => {
          resolve();
        }),
      );
    },
  };
}
