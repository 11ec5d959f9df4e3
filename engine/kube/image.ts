/**
 * Recognising database engines from container image references (pure). Official Docker
 * Hub images and Bitnami's, from any registry, with any tag or digest.
 */
import type { EngineKind } from '../model/index.ts';

/** An image reference split into its parts: `registry/path/name:tag@digest`. */
export interface ImageRef {
  /** Registry host, `docker.io` when the reference names none. */
  readonly registry: string;
  /** Repository path without the registry, e.g. `library/postgres`, `bitnami/postgresql`. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** Parse an image reference as the container runtime would (no validation beyond shape). */
export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  // A colon after the last slash is a tag; before it, a registry port.
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return { registry, repository: parts.join('/'), tag, digest };
}

/** Last path segment → engine, for official images (`library/x` or a mirror's `x`). */
const OFFICIAL: Readonly<Record<string, EngineKind>> = {
  postgres: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  mongo: 'mongodb',
  cassandra: 'cassandra',
};

/** Bitnami image names → engine. */
const BITNAMI: Readonly<Record<string, EngineKind>> = {
  postgresql: 'postgres',
  'postgresql-repmgr': 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  'mariadb-galera': 'mysql',
  mongodb: 'mongodb',
  'mongodb-sharded': 'mongodb',
  cassandra: 'cassandra',
};

export interface ImageMatch {
  readonly engine: EngineKind;
  /** `official` or `bitnami`: which family of images matched. */
  readonly family: 'official' | 'bitnami';
}

/**
 * The engine an image runs, or undefined. Matches the official images (`postgres`,
 * `docker.io/library/postgres`, a mirror's `registry.example.com/library/postgres` or
 * `registry.example.com/postgres`) and Bitnami's (`bitnami/postgresql` under any registry
 * or path prefix). Other repositories (e.g. `someone/postgres-exporter`) do not match.
 */
export function recogniseImage(image: string): ImageMatch | undefined {
  const ref = parseImage(image);
  const segments = ref.repository.split('/');
  const name = segments[segments.length - 1] ?? '';
  const parent = segments.length > 1 ? segments[segments.length - 2] : undefined;
  if (parent === 'bitnami') {
    const engine = BITNAMI[name];
    return engine ? { engine, family: 'bitnami' } : undefined;
  }
  const official = OFFICIAL[name];
  if (!official) return undefined;
  // `library/postgres` anywhere, or a bare single-segment name on a private registry.
  if (parent === 'library' || segments.length === 1) return { engine: official, family: 'official' };
  return undefined;
}

/** Default server port per engine. */
export const DEFAULT_PORT: Readonly<Record<EngineKind, number>> = {
  postgres: 5432,
  mysql: 3306,
  mongodb: 27017,
  cassandra: 9042,
};

/** URL scheme per engine, as `engine/model/from-url.ts` parses it. */
export const URL_SCHEME: Readonly<Record<EngineKind, string>> = {
  postgres: 'postgres',
  mysql: 'mysql',
  mongodb: 'mongodb',
  cassandra: 'cassandra',
};

/** Values accepted in `lifeboat.dev/engine` (case-insensitive). */
export const ENGINE_ALIASES: Readonly<Record<string, EngineKind>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  mongodb: 'mongodb',
  mongo: 'mongodb',
  cassandra: 'cassandra',
};
