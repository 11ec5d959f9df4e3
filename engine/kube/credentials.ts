/**
 * Where a workload's credentials come from (pure): the `lifeboat.dev/credentials` Secret,
 * or the database image's conventional environment variables, literal or via
 * `valueFrom.secretKeyRef`. Values are resolved later, from Secrets read by discovery.
 */
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import type { EngineKind } from '../model/index.ts';

/** One credential value: a literal from the pod spec, or a key of a Secret in the namespace. */
export type ValueSource =
  | { readonly kind: 'literal'; readonly value: string; readonly env: string }
  | { readonly kind: 'secret'; readonly secret: string; readonly key: string; readonly env?: string };

/** How to obtain a workload's username and password. Holds no secret values itself. */
export interface CredentialSource {
  readonly username: ValueSource | undefined;
  readonly password: ValueSource | undefined;
  /** Username to use when `username` is undefined (the image's superuser). */
  readonly defaultUsername: string;
  /** Human-readable origin, e.g. `annotation lifeboat.dev/credentials=orders-db-auth`. */
  readonly why: string;
}

interface EnvPair {
  readonly user?: string;
  readonly password: string;
  readonly defaultUser: string;
}

/** Conventional variables of the official and Bitnami images, superuser first. */
const ENV_PAIRS: Readonly<Record<EngineKind, readonly EnvPair[]>> = {
  postgres: [
    { password: 'POSTGRES_POSTGRES_PASSWORD', defaultUser: 'postgres' }, // bitnami, superuser
    { user: 'POSTGRES_USER', password: 'POSTGRES_PASSWORD', defaultUser: 'postgres' },
    { user: 'POSTGRESQL_USERNAME', password: 'POSTGRESQL_PASSWORD', defaultUser: 'postgres' },
  ],
  mysql: [
    { password: 'MYSQL_ROOT_PASSWORD', defaultUser: 'root' },
    { password: 'MARIADB_ROOT_PASSWORD', defaultUser: 'root' },
    { user: 'MYSQL_USER', password: 'MYSQL_PASSWORD', defaultUser: 'root' },
    { user: 'MARIADB_USER', password: 'MARIADB_PASSWORD', defaultUser: 'root' },
  ],
  mongodb: [
    { user: 'MONGO_INITDB_ROOT_USERNAME', password: 'MONGO_INITDB_ROOT_PASSWORD', defaultUser: 'root' },
    { user: 'MONGODB_ROOT_USER', password: 'MONGODB_ROOT_PASSWORD', defaultUser: 'root' },
  ],
  cassandra: [{ user: 'CASSANDRA_USER', password: 'CASSANDRA_PASSWORD', defaultUser: 'cassandra' }],
};

const DEFAULT_USER: Readonly<Record<EngineKind, string>> = {
  postgres: 'postgres',
  mysql: 'root',
  mongodb: 'root',
  cassandra: 'cassandra',
};

function sourceOf(env: V1EnvVar): ValueSource | undefined {
  if (env.value !== undefined) return { kind: 'literal', value: env.value, env: env.name };
  const ref = env.valueFrom?.secretKeyRef;
  if (ref?.name) return { kind: 'secret', secret: ref.name, key: ref.key, env: env.name };
  return undefined;
}

/**
 * The credential source of a workload: the annotated Secret (keys `username`, `password`)
 * wins; otherwise the first conventional password variable found in the containers' env.
 * Undefined when neither exists (the adapter then connects without a password).
 */
export function credentialSource(
  engine: EngineKind,
  containers: readonly V1Container[],
  annotatedSecret: string | undefined,
): CredentialSource | undefined {
  if (annotatedSecret) {
    return {
      username: { kind: 'secret', secret: annotatedSecret, key: 'username' },
      password: { kind: 'secret', secret: annotatedSecret, key: 'password' },
      defaultUsername: DEFAULT_USER[engine],
      why: `annotation lifeboat.dev/credentials=${annotatedSecret}`,
    };
  }
  const env = new Map<string, V1EnvVar>();
  for (const c of containers) for (const e of c.env ?? []) if (!env.has(e.name)) env.set(e.name, e);
  for (const pair of ENV_PAIRS[engine]) {
    const passwordVar = env.get(pair.password);
    const password = passwordVar ? sourceOf(passwordVar) : undefined;
    if (!password) continue;
    const userVar = pair.user ? env.get(pair.user) : undefined;
    return {
      username: userVar ? sourceOf(userVar) : undefined,
      password,
      defaultUsername: pair.defaultUser,
      why: `container env ${pair.password}`,
    };
  }
  return undefined;
}

/** The Secret names a source needs read (none for literals). */
export function secretsOf(source: CredentialSource | undefined): string[] {
  if (!source) return [];
  const names = [source.username, source.password].flatMap((v) => (v?.kind === 'secret' ? [v.secret] : []));
  return [...new Set(names)];
}

/** Decoded Secret data by name, as discovery read it (namespace-local). */
export type SecretData = ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;

/**
 * Resolve a source against the Secrets read. Returns the values and the problems found
 * (missing Secret or key) without ever including a value in a problem.
 */
export function resolveCredentials(
  source: CredentialSource,
  secrets: SecretData,
): { username: string; password: string | undefined; problems: string[] } {
  const problems: string[] = [];
  const value = (v: ValueSource | undefined, optional: boolean): string | undefined => {
    if (!v) return undefined;
    if (v.kind === 'literal') return v.value;
    if (!secrets.has(v.secret)) return undefined; // not read (e.g. discovery without secrets)
    const data = secrets.get(v.secret);
    if (data === undefined) {
      problems.push(`secret ${v.secret} not found`);
      return undefined;
    }
    const found = data[v.key];
    if (found === undefined && !optional) problems.push(`secret ${v.secret} has no key "${v.key}"`);
    return found;
  };
  // The annotated Secret may omit `username` (the image's superuser is then used).
  const username = value(source.username, true) ?? source.defaultUsername;
  const password = value(source.password, false);
  return { username, password, problems };
}
