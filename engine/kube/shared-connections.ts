/**
 * `@kubernetes/client-node` (2.0.x) builds a new undici Agent, so a new TLS connection, for
 * every API request made through `makeApiClient`: 5,000 Secret reads were 5,000 handshakes
 * and as many idle keep-alive sockets held until they time out (52 s and 717 MiB in
 * `bench:kube`). This makes a KubeConfig hand out one Agent per TLS setup instead, so
 * requests share a small pool of connections, as client-go does. Credentials (headers) are
 * still applied per request by client-node; only the connection pool is shared, keyed by
 * everything that shapes the connection (server, proxy, CA, client certificate and key,
 * verification, server name). A client-node without that private hook is left as it is.
 */
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

interface DispatcherHook {
  createDispatcher?: (cluster: unknown, agentOptions: Record<string, unknown>) => unknown;
}

const SHAPING = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function keyOf(cluster: unknown, agentOptions: Record<string, unknown>): string {
  const hash = createHash('sha256');
  const c = (cluster ?? {}) as { server?: unknown; proxyUrl?: unknown };
  hash.update(JSON.stringify([c.server ?? null, c.proxyUrl ?? null]));
  for (const field of SHAPING) {
    const value = agentOptions[field];
    hash.update(`\0${field}=`);
    if (value !== undefined) hash.update(Buffer.isBuffer(value) ? value : JSON.stringify(value));
  }
  return hash.digest('hex');
}

/** Make `kc` reuse one connection pool per TLS setup (see above). Returns `kc`. */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const hook = kc as unknown as DispatcherHook;
  const create = hook.createDispatcher?.bind(kc);
  if (!create) return kc;
  const pools = new Map<string, unknown>();
  hook.createDispatcher = (cluster, agentOptions) => {
    const key = keyOf(cluster, agentOptions);
    if (pools.has(key)) return pools.get(key);
    const dispatcher = create(cluster, agentOptions);
    pools.set(key, dispatcher);
    return dispatcher;
  };
  return kc;
}
