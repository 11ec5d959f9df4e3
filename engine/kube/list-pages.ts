/**
 * One page of a list as the API's JSON, without client-node's model conversion: the
 * generated clients turn every object into class instances (a full copy per page, Dates
 * parsed) before discovery projects it, which on 5,000 workloads was most of the garbage
 * and ~80 MiB of peak RSS (`bench:kube`: 303-338 MiB with the generated lists, 232-239
 * MiB with these, on the same server). Authentication and the shared connection pool are
 * client-node's own (`applySecurityAuthentication`), as for every other request.
 */
import {
  ApiException,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { ListedKind } from './kube-client.ts';

/** Where each kind's collection lives (`/api/v1` for the core group). */
const COLLECTIONS: { readonly [K in ListedKind]: readonly [api: string, plural: string] } = {
  statefulsets: ['/apis/apps/v1', 'statefulsets'],
  deployments: ['/apis/apps/v1', 'deployments'],
  services: ['/api/v1', 'services'],
  pods: ['/api/v1', 'pods'],
  endpointslices: ['/apis/discovery.k8s.io/v1', 'endpointslices'],
  endpoints: ['/api/v1', 'endpoints'],
  persistentvolumeclaims: ['/api/v1', 'persistentvolumeclaims'],
};

export interface RawPage {
  readonly items: unknown[];
  readonly metadata?: { readonly continue?: string };
}

/** The URL of one page of `kind` in `namespace` (all namespaces when undefined). */
export function pageUrl(
  server: string,
  kind: ListedKind,
  namespace: string | undefined,
  limit: number,
  token: string | undefined,
): string {
  const [api, plural] = COLLECTIONS[kind];
  const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const query = new URLSearchParams({ limit: String(limit), ...(token ? { continue: token } : {}) });
  return `${server.replace(/\/+$/, '')}${api}${scope}/${plural}?${query.toString()}`;
}

/** Fetches pages through `kc`. Failures are client-node `ApiException`s, as from its clients. */
export function pageFetcher(
  kc: KubeConfig,
): (
  kind: ListedKind,
  namespace: string | undefined,
  limit: number,
  token: string | undefined,
) => Promise<RawPage> {
  const http = new IsomorphicFetchHttpLibrary();
  const server = kc.getCurrentCluster()?.server ?? '';
  return async (kind, namespace, limit, token) => {
    const request = new RequestContext(pageUrl(server, kind, namespace, limit, token), HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    await kc.applySecurityAuthentication(request);
    const response = await http.send(request).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode !== 200)
      throw new ApiException(response.httpStatusCode, `HTTP ${response.httpStatusCode}`, text, {});
    return JSON.parse(text) as RawPage;
  };
}
