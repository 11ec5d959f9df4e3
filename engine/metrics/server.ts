/**
 * The controller's HTTP endpoint for Prometheus and the kubelet probes:
 *   GET /metrics  the registry in the Prometheus text format
 *   GET /healthz  200 while the process serves requests (liveness)
 *   GET /readyz   200 once the caller's readiness check passes (e.g. watches synced), else 503
 * Any other path goes to `fallback` when given (the controller mounts the dashboard there, so
 * one port serves both), else 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { LifeboatError } from '../errors.ts';

export interface MetricsServerOptions {
  readonly registry: Registry;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** @default '0.0.0.0' (a Service in front of the pod must reach it) */
  readonly host?: string;
  /** Readiness: true when the process can do its work. Throwing counts as not ready. @default always ready */
  readonly ready?: () => boolean | Promise<boolean>;
  /** Answers paths other than the three above; resolves false when it does not (→ 404). */
  readonly fallback?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface MetricsServer {
  /** The port actually bound. */
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const ready = options.ready ?? (() => true);
  const server = createServer((req, res) => {
    handle(req, res, options, ready).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, `error: ${(error as Error).message}\n`);
      else res.destroy();
    });
  });
  // Scrapes are short; do not let an idle keep-alive connection hold `close()` up.
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(
        new LifeboatError(`metrics server: cannot listen on ${host}:${options.port}: ${error.message}`, {
          cause: error,
        }),
      );
    });
    server.listen(options.port, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsServerOptions,
  ready: () => boolean | Promise<boolean>,
): Promise<void> {
  const { registry } = options;
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const own = path === '/metrics' || path === '/healthz' || path === '/readyz';
  if (!own) {
    if (options.fallback && (await options.fallback(req, res))) return;
    reply(res, 404, 'not found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    reply(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  switch (path) {
    case '/metrics':
      reply(res, 200, await registry.metrics(), { 'content-type': registry.contentType });
      return;
    case '/healthz':
      reply(res, 200, 'ok\n');
      return;
    case '/readyz': {
      const ok = await Promise.resolve()
        .then(ready)
        .catch(() => false);
      reply(res, ok ? 200 : 503, ok ? 'ok\n' : 'not ready\n');
      return;
    }
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
