/**
 * A raw JSON client for the test API server. The typed @kubernetes/client-node APIs
 * re-serialize bodies through their models, which silently drops keys the models spell
 * differently (`x-kubernetes-preserve-unknown-fields` inside nested CRD schema
 * properties is lost), so manifests are sent here exactly as written. Also impersonates
 * (`Impersonate-User`/`Impersonate-Group`), for RBAC tests.
 */
import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { sendKubeRequest } from '../../../testcontainers/_kube-request.ts';

export interface RawResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface RawKubeOptions {
  /** Act as this user (the kubeconfig's user must be allowed to impersonate). */
  readonly as?: string;
  readonly groups?: readonly string[];
}

const REQUEST_TIMEOUT_MS = 60_000;

interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

export class RawKube {
  private readonly kc = new KubeConfig();
  private readonly as: string | undefined;
  private readonly groups: readonly string[];
  private readonly discovered = new Map<string, Map<string, ResourceInfo>>();

  /** `kubeconfig`: a kubeconfig file path, or a loaded KubeConfig (not modified). */
  constructor(kubeconfig: string | KubeConfig, options: RawKubeOptions = {}) {
    if (typeof kubeconfig === 'string') this.kc.loadFromFile(kubeconfig);
    else this.kc.loadFromString(kubeconfig.exportConfig());
    this.as = options.as;
    this.groups = options.groups ?? [];
  }

  /** The same connection, impersonating `user` (with `groups`). */
  impersonate(user: string, groups: readonly string[] = []): RawKube {
    return new RawKube(this.kc, { as: user, groups });
  }

  /**
   * One request; a 429 (e.g. "storage is (re)initializing" just after a CRD is
   * established) is retried after its Retry-After, as client-go does, up to 20 times.
   */
  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<RawResponse> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.once(method, path, body, headers);
      if (res.status !== 429 || attempt >= 20) return { status: res.status, body: res.body };
      const seconds = Number(res.retryAfter ?? '0.2');
      await new Promise((r) => setTimeout(r, Math.min(Number.isFinite(seconds) ? seconds : 0.2, 1) * 1000));
    }
  }

  private async once(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<RawResponse & { retryAfter?: string }> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    const url = new URL(path, server);
    const options: RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': contentType(method) }),
        ...headers,
      },
    };
    await this.kc.applyToHTTPSOptions(options);
    const outgoing = options.headers as Record<string, string | string[]>;
    if (this.as !== undefined) outgoing['Impersonate-User'] = this.as;
    if (this.groups.length > 0) outgoing['Impersonate-Group'] = [...this.groups];
    // A stuck API server fails the test with the request named instead of a hook timeout.
    return sendKubeRequest(
      options,
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      REQUEST_TIMEOUT_MS,
      () => new Error(`${method} ${path}: no answer from the API server in ${REQUEST_TIMEOUT_MS} ms`),
    );
  }

  /** `/apis/apps/v1/namespaces/ns/deployments` (collection) for an object's kind. */
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    const info = await this.resourceInfo(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (!info.namespaced) return `${base}/${info.plural}`;
    return `${base}/namespaces/${namespace ?? 'default'}/${info.plural}`;
  }

  /** Create `obj`; resolves to the response (status 201 on success; errors are returned, not thrown). */
  async create(obj: KubeObject, query = ''): Promise<RawResponse> {
    const path = await this.collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return this.request('POST', `${path}${query}`, obj);
  }

  /** Create, or replace the existing object of the same name (for shared test servers). */
  async apply(obj: KubeObject): Promise<RawResponse> {
    const created = await this.create(obj);
    if (created.status !== 409) return created;
    const path = `${await this.collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace)}/${obj.metadata.name}`;
    const current = await this.request('GET', path);
    const resourceVersion = (current.body as { metadata?: { resourceVersion?: string } }).metadata
      ?.resourceVersion;
    return this.request('PUT', path, { ...obj, metadata: { ...obj.metadata, resourceVersion } });
  }

  async get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<RawResponse> {
    return this.request('GET', `${await this.collectionPath(apiVersion, kind, namespace)}/${name}`);
  }

  private async resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let kinds = this.discovered.get(apiVersion);
    if (!kinds) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const res = await this.request('GET', path);
      if (res.status !== 200) throw new Error(`discovery of ${apiVersion} answered ${res.status}`);
      kinds = new Map();
      for (const r of (res.body as { resources: { name: string; kind: string; namespaced: boolean }[] })
        .resources)
        if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
      this.discovered.set(apiVersion, kinds);
    }
    const info = kinds.get(kind);
    if (!info) throw new Error(`the API server serves no ${kind} in ${apiVersion}`);
    return info;
  }
}

function contentType(method: string): string {
  return method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
}

/** The `message` of a Status body, or the body as text. */
export function statusMessage(res: RawResponse): string {
  const body = res.body as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : JSON.stringify(res.body);
}

/** `admin`'s connection acting as `user` (Impersonate-User on every request), for real clients. */
export function impersonatingKubeConfig(admin: KubeConfig, user: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: admin.clusters,
    contexts: admin.contexts,
    currentContext: admin.currentContext,
    users: admin.users.map((u) => ({ ...u, impersonateUser: user })),
  });
  return kc;
}
