/**
 * The dashboard's HTTP surface: a read-only JSON API over one DashboardSource, live
 * progress as Server-Sent Events, the built front-end as static files, and (cluster mode
 * only) actions that create custom resources with the caller's identity.
 *
 * `handle(req, res)` answers the dashboard's paths and returns false for any other, so the
 * controller can mount it on its own server next to other endpoints; `listen` serves it
 * standalone (`lifeboat dashboard`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VERSION } from '../version.ts';
import type { ApiErrorBody, DashboardInfo, RestoreRequestBody } from './api-types.ts';
import { DashboardHttpError, statusOf } from './http-error.ts';
import { defaultAssetsDir, readStatic } from './static-files.ts';
import type { Caller, DashboardSource, Scope } from './source.ts';

export interface DashboardServerOptions {
  readonly source: DashboardSource;
  /** Built front-end. @default dist/dashboard next to this installation */
  readonly assetsDir?: string;
  /** How often the live-progress stream re-reads running actions. @default 2000 */
  readonly pollIntervalMs?: number;
  /** Called with each request that failed with a 5xx (for the host's log). */
  readonly onError?: (error: unknown, path: string) => void;
}

export interface DashboardServer {
  /** Answer `req` if it is a dashboard path; resolves false (nothing written) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Serve standalone. @returns the bound address (port 0 picks a free one) */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stop the standalone server and every open event stream. */
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;
/** Namespace segment of an application in repository mode, where backups may carry none. */
export const NO_NAMESPACE = '_';

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

function callerOf(req: IncomingMessage): Caller {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return { token: match?.[1] };
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

const reply = (status: number, body: unknown): Reply => ({ status, body });

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): number {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const body: ApiErrorBody = { error: message, status };
  sendJson(res, status, body);
  return status;
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    throw new DashboardHttpError(415, 'send the request body as application/json');
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new DashboardHttpError(413, 'request body too large');
    parts.push(chunk);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DashboardHttpError(400, 'request body is not JSON');
  }
}

function stringField(body: unknown, key: string, required: boolean): string | undefined {
  const value = (body as Record<string, unknown> | null)?.[key];
  if (value === undefined || value === null || value === '') {
    if (required) throw new DashboardHttpError(400, `"${key}" is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new DashboardHttpError(400, `"${key}" must be a string`);
  return value;
}

function segment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new DashboardHttpError(400, 'malformed path');
  }
}

export function createDashboardServer(options: DashboardServerOptions): DashboardServer {
  const { source } = options;
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  const pollMs = options.pollIntervalMs ?? 2000;
  const streams = new Set<ServerResponse>();
  let server: Server | undefined;

  const info = (): DashboardInfo => ({
    mode: source.mode,
    version: VERSION,
    repository: source.location,
    actions: source.actions !== undefined,
    needsToken: source.needsToken,
  });

  function requireCaller(req: IncomingMessage): Caller {
    const caller = callerOf(req);
    if (source.needsToken && caller.token === undefined)
      throw new DashboardHttpError(
        401,
        'sign in: send your Kubernetes bearer token (Authorization: Bearer …); the dashboard acts with your identity',
      );
    return caller;
  }

  /** Live progress: the running actions now, then again whenever they change. */
  function stream(req: IncomingMessage, res: ServerResponse, caller: Caller, scope: Scope): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    streams.add(res);
    let last = '';
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const tick = async () => {
      try {
        const data = JSON.stringify(await source.runningActions(caller, scope));
        if (data !== last) {
          last = data;
          res.write(`event: actions\ndata: ${data}\n\n`);
        } else res.write(': keep-alive\n\n');
      } catch (error) {
        const body: ApiErrorBody = { error: (error as Error).message, status: statusOf(error) };
        res.write(`event: failure\ndata: ${JSON.stringify(body)}\n\n`);
      }
      if (!closed) timer = setTimeout(() => void tick(), pollMs);
    };
    const stop = () => {
      closed = true;
      clearTimeout(timer);
      streams.delete(res);
    };
    req.on('close', stop);
    res.on('close', stop);
    void tick();
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<Reply | 'streaming'> {
    const parts = url.pathname.split('/').filter(Boolean).slice(1).map(segment);
    const method = req.method ?? 'GET';
    const scope: Scope = { namespace: url.searchParams.get('namespace') || undefined };
    const [resource, ns, name, sub, ...rest] = parts;
    if (method === 'GET' && resource === 'info' && parts.length === 1) return reply(200, info());
    const caller = requireCaller(req);
    if (method === 'GET' && parts.length === 1) {
      switch (resource) {
        case 'applications':
          return reply(200, await source.applications(caller, scope));
        case 'actions':
          return reply(200, await source.runningActions(caller, scope));
        case 'repositories':
          return reply(200, await source.repositories(caller, scope));
        case 'blueprints':
          return reply(200, await source.blueprints(caller, scope));
        case 'events':
          stream(req, res, caller, scope);
          return 'streaming';
      }
    }
    if (resource === 'applications' && ns !== undefined && name !== undefined && rest.length === 0) {
      const namespace = ns === NO_NAMESPACE ? null : ns;
      if (method === 'GET' && sub === undefined)
        return reply(200, await source.application(caller, namespace, name));
      if (method === 'POST' && sub !== undefined) {
        const actions = source.actions;
        if (!actions || namespace === null)
          throw new DashboardHttpError(405, 'actions exist only in cluster mode (served by the controller)');
        const body = await readJsonBody(req);
        if (sub === 'backups') return reply(201, await actions.createBackup(caller, namespace, name));
        if (sub === 'drills')
          return reply(
            201,
            await actions.createDrill(caller, namespace, name, stringField(body, 'backupId', false)),
          );
        if (sub === 'restores') {
          const request: RestoreRequestBody = {
            backupId: stringField(body, 'backupId', true) ?? '',
            targetNamespace: stringField(body, 'targetNamespace', true) ?? '',
          };
          return reply(201, await actions.createRestore(caller, namespace, name, request));
        }
      }
    }
    throw new DashboardHttpError(404, `no such API: ${method} ${url.pathname}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      try {
        const answer = await api(req, res, url);
        if (answer !== 'streaming') sendJson(res, answer.status, answer.body);
      } catch (error) {
        if (res.headersSent) res.end();
        else if (sendError(res, error) >= 500) options.onError?.(error, url.pathname);
      }
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!assetsDir) {
      sendJson(res, 503, {
        error: 'the dashboard front-end is not built: run npm run build:dashboard',
        status: 503,
      } satisfies ApiErrorBody);
      return true;
    }
    const file = await readStatic(assetsDir, url.pathname);
    if (!file) return false;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': url.pathname === '/' || url.pathname.endsWith('.html') ? 'no-cache' : 'max-age=300',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  }

  return {
    handle,
    listen(port, host = '127.0.0.1') {
      const s = createServer((req, res) => {
        void handle(req, res).then((handled) => {
          if (!handled) sendJson(res, 404, { error: 'not found', status: 404 } satisfies ApiErrorBody);
        });
      });
      server = s;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          resolve(s.address() as AddressInfo);
        });
      });
    },
    async close() {
      for (const res of streams) res.end();
      streams.clear();
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve, reject) => {
        s.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        s.closeAllConnections();
      });
    },
  };
}
