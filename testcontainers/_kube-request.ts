/** Internal: one JSON request to an API server as a kubeconfig's user (bodies sent as written). */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Sends `body` (JSON) with `method` to `path`; resolves with the status and parsed body (never throws on HTTP errors). */
export async function kubeRequest(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<KubeResponse> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, server);
  const options: RequestOptions = {
    method,
    hostname: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': contentType }) },
  };
  await kc.applyToHTTPSOptions(options);
  return sendKubeRequest(
    options,
    body === undefined ? undefined : JSON.stringify(body),
    30_000,
    () => new Error(`${method} ${path}: no answer in 30 s`),
  );
}

/**
 * Sends one prepared HTTPS request with `payload`; resolves with the status, the body (parsed
 * when it is JSON, else the text) and any Retry-After header, never throwing on HTTP errors.
 * Without an answer within `timeoutMs` the request fails with `timeoutError()`.
 */
export function sendKubeRequest(
  options: RequestOptions,
  payload: string | undefined,
  timeoutMs: number,
  timeoutError: () => Error,
): Promise<KubeResponse & { retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, body: parsed, ...(retryAfter ? { retryAfter } : {}) });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(timeoutError()));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Like `kubeRequest`, but throws unless the status is 2xx (or listed in `ok`). */
export async function kubeCall(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  options: { ok?: readonly number[]; contentType?: string } = {},
): Promise<unknown> {
  const res = await kubeRequest(kc, method, path, body, options.contentType);
  if ((res.status < 200 || res.status > 299) && !(options.ok ?? []).includes(res.status)) {
    const message = (res.body as { message?: string } | undefined)?.message ?? JSON.stringify(res.body);
    throw new Error(`${method} ${path}: ${res.status} ${message}`);
  }
  return res.body;
}

/** A kubeconfig file loaded. */
export function loadKubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
