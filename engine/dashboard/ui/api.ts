/**
 * Calls to the dashboard API. Paths are relative, so the dashboard works under any prefix
 * the controller mounts it at. In cluster mode the caller's Kubernetes token is sent as a
 * bearer token (kept in this tab's sessionStorage only); the API server decides what it sees.
 */
import type { ApiErrorBody } from '../api-types.ts';

const TOKEN_KEY = 'lifeboat.token';
const NAMESPACE_KEY = 'lifeboat.namespace';

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const session = {
  get token(): string {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  },
  set token(value: string) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  get namespace(): string {
    return sessionStorage.getItem(NAMESPACE_KEY) ?? '';
  },
  set namespace(value: string) {
    if (value) sessionStorage.setItem(NAMESPACE_KEY, value);
    else sessionStorage.removeItem(NAMESPACE_KEY);
  },
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = session.token;
  return { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** `api/<path>` with the namespace filter added to listings. */
export function apiUrl(path: string, scoped = true): string {
  const ns = session.namespace;
  return `api/${path}${scoped && ns ? `${path.includes('?') ? '&' : '?'}namespace=${encodeURIComponent(ns)}` : ''}`;
}

async function failure(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    message = ((await res.json()) as ApiErrorBody).error;
  } catch {
    // not our JSON: keep the status line
  }
  return new ApiError(res.status, message);
}

export async function getJson<T>(path: string, scoped = true): Promise<T> {
  const res = await fetch(apiUrl(path, scoped), { headers: headers() });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(apiUrl(path, false), {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/**
 * Server-Sent Events read through fetch (EventSource cannot send the bearer token).
 * Calls `onEvent` per event until `signal` aborts; resolves when the stream ends.
 */
export async function readEvents(
  path: string,
  onEvent: (event: string, data: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(apiUrl(path), { headers: headers({ accept: 'text/event-stream' }), signal });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
  }
}
