/**
 * The model every entry point resolves to: CLI connection URLs today, Kubernetes
 * discovery later. Nothing here performs I/O.
 */

/** Engines Lifeboat ships an adapter for. */
export const ENGINE_KINDS = ['postgres', 'mysql', 'mongodb', 'cassandra'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/**
 * The engine a workload runs: one with an adapter, or any other a blueprint names (e.g.
 * `redis`). A workload whose engine has no adapter can be protected only by a blueprint
 * that calls generic functions (`exec`, `waitFor`, …); the planner enforces it.
 */
export type Engine = EngineKind | (string & {});

/** How an engine without an adapter may be named (also its `--db` URL scheme). */
export const ENGINE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

export function isAdapterEngine(engine: string): engine is EngineKind {
  return (ENGINE_KINDS as readonly string[]).includes(engine);
}

export type EndpointRole = 'primary' | 'replica' | 'unknown';

/** One reachable server of a workload. `url` never carries a password. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly role: EndpointRole;
  /** Connection URL without credentials, e.g. `postgres://app@db:5432/orders`. */
  readonly url: string;
}

/**
 * Credentials are kept apart from endpoints so they can be passed by environment or
 * file and never printed. `secretRef` names where they came from (for messages).
 */
export interface Credentials {
  readonly username?: string;
  readonly password?: string;
  readonly secretRef?: { readonly namespace: string; readonly name: string };
}

export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** A database instance as Lifeboat protects it. */
export interface Workload {
  /** Member name within a backup: unique per application (defaults to the database name). */
  readonly name: string;
  readonly engine: Engine;
  readonly primary: Endpoint;
  readonly replicas: readonly Endpoint[];
  /** Databases (or keyspaces) to capture; empty means all user databases. */
  readonly databases: readonly string[];
  readonly credentials: Credentials;
  readonly owner?: OwnerRef;
  readonly namespace?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly pvcs: readonly string[];
  /** Where this workload came from, for `discover` output and messages. */
  readonly source: 'url' | 'kubernetes';
}

/** The unit of protection: workloads captured and restored together. */
export interface Application {
  readonly name: string;
  readonly namespace?: string;
  readonly workloads: readonly Workload[];
}

/** Per table/collection content summary, computed from the same snapshot as the dump. */
export interface TableFingerprint {
  readonly rows: number;
  /** Order-independent content hash, hex. */
  readonly hash: string;
}

/** Keyed by a stable qualified name, e.g. `orders.public.items` or `shop.users`. */
export type Fingerprint = Readonly<Record<string, TableFingerprint>>;

/** A position in the database's history at which a capture was taken. */
export interface Marker {
  /** e.g. `lsn`, `gtid`, `binlog`, `clusterTime`, `writetime`. */
  readonly kind: string;
  readonly value: string;
}
