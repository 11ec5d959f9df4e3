/**
 * Turns `--db [NAME=]URL` arguments into Workloads (pure). Kubernetes discovery produces
 * the same model from the API.
 */
import { UsageError } from '../errors.ts';
import { redactUrl } from '../redact.ts';
import {
  ENGINE_NAME_PATTERN,
  type Engine,
  type EngineKind,
  type Endpoint,
  type Workload,
} from './workload.ts';

const SCHEMES: Readonly<Record<string, { engine: EngineKind; port: number | undefined }>> = {
  'postgres:': { engine: 'postgres', port: 5432 },
  'postgresql:': { engine: 'postgres', port: 5432 },
  'mysql:': { engine: 'mysql', port: 3306 },
  'mariadb:': { engine: 'mysql', port: 3306 },
  'mongodb:': { engine: 'mongodb', port: 27017 },
  'cassandra:': { engine: 'cassandra', port: 9042 },
};

export interface DbArgument {
  readonly name?: string;
  readonly url: string;
}

/** Split `NAME=URL` (NAME is optional; a URL never starts with `word=`). */
export function parseDbArgument(raw: string): DbArgument {
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]*)=(.+)$/.exec(raw);
  if (match?.[1] && match[2] && !match[1].includes(':')) return { name: match[1], url: match[2] };
  return { url: raw };
}

interface ParsedUrl {
  readonly engine: Engine;
  readonly endpoint: Endpoint;
  readonly database: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/**
 * Parse a connection URL. Its scheme names the engine: one of an adapter (`postgres:`,
 * `mysql:`, …), or one of `blueprintEngines`, engines without an adapter that a loaded
 * blueprint protects (`redis:` for a blueprint with `spec.engine: redis`). Lifeboat knows
 * no default port for those, so their URLs must give one.
 */
export function parseConnectionUrl(
  url: string,
  role: Endpoint['role'] = 'primary',
  blueprintEngines: readonly string[] = [],
): ParsedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--db ${redactUrl(url)}: not a URL (expected e.g. postgres://user@host:5432/db)`);
  }
  const custom = parsed.protocol.slice(0, -1);
  const scheme =
    SCHEMES[parsed.protocol] ??
    (blueprintEngines.includes(custom) && ENGINE_NAME_PATTERN.test(custom)
      ? { engine: custom, port: undefined }
      : undefined);
  if (!scheme) {
    const known = [...Object.keys(SCHEMES), ...blueprintEngines.map((e) => `${e}:`)].join(' ');
    throw new UsageError(
      `--db ${redactUrl(url)}: unknown scheme "${parsed.protocol}" (known: ${known}; an engine without an adapter is accepted when a blueprint for it is given)`,
    );
  }
  if (!parsed.hostname) throw new UsageError(`--db ${redactUrl(url)}: missing host`);
  if (!parsed.port && scheme.port === undefined)
    throw new UsageError(
      `--db ${redactUrl(url)}: give the port (Lifeboat knows no default for ${scheme.engine})`,
    );
  const port = parsed.port ? Number(parsed.port) : (scheme.port ?? 0);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined;
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const clean = new URL(parsed.toString());
  clean.password = '';
  return {
    engine: scheme.engine,
    endpoint: { host: parsed.hostname, port, role, url: clean.toString() },
    database,
    username,
    password,
  };
}

/**
 * Resolve `--db` (and optional `--replica NAME=URL`) arguments into workloads. Member names
 * default to the database name and must be unique. `passwordFor(name)` supplies a password
 * kept out of argv (environment, file); a password in the URL wins over it.
 */
export function workloadsFromArguments(
  dbArgs: readonly string[],
  replicaArgs: readonly string[] = [],
  passwordFor: (name: string) => string | undefined = () => undefined,
  blueprintEngines: readonly string[] = [],
): Workload[] {
  if (dbArgs.length === 0) throw new UsageError('at least one --db URL is required');
  const workloads = dbArgs.map((raw) => {
    const arg = parseDbArgument(raw);
    const parsed = parseConnectionUrl(arg.url, 'primary', blueprintEngines);
    const name = arg.name ?? parsed.database ?? `${parsed.engine}-${parsed.endpoint.host}`;
    const password = parsed.password ?? passwordFor(name);
    const workload: Workload = {
      name,
      engine: parsed.engine,
      primary: parsed.endpoint,
      replicas: [],
      databases: parsed.database ? [parsed.database] : [],
      credentials: {
        ...(parsed.username === undefined ? {} : { username: parsed.username }),
        ...(password === undefined ? {} : { password }),
      },
      annotations: {},
      pvcs: [],
      source: 'url',
    };
    return workload;
  });
  const seen = new Set<string>();
  for (const w of workloads) {
    if (seen.has(w.name)) {
      throw new UsageError(`member name "${w.name}" is used twice: name members with --db NAME=URL`);
    }
    seen.add(w.name);
  }
  return attachReplicas(workloads, replicaArgs, blueprintEngines);
}

function attachReplicas(
  workloads: Workload[],
  replicaArgs: readonly string[],
  blueprintEngines: readonly string[],
): Workload[] {
  const replicasByName = new Map<string, Endpoint[]>();
  for (const raw of replicaArgs) {
    const arg = parseDbArgument(raw);
    const target = arg.name ?? (workloads.length === 1 ? workloads[0]?.name : undefined);
    if (target === undefined) {
      throw new UsageError(
        `--replica ${redactUrl(arg.url)}: name the member it belongs to (--replica NAME=URL)`,
      );
    }
    const owner = workloads.find((w) => w.name === target);
    if (!owner) throw new UsageError(`--replica ${target}=…: no --db member is named "${target}"`);
    const parsed = parseConnectionUrl(arg.url, 'replica', blueprintEngines);
    if (parsed.engine !== owner.engine) {
      throw new UsageError(`--replica ${target}=…: a ${parsed.engine} URL for a ${owner.engine} member`);
    }
    replicasByName.set(target, [...(replicasByName.get(target) ?? []), parsed.endpoint]);
  }
  return workloads.map((w) => ({ ...w, replicas: replicasByName.get(w.name) ?? [] }));
}
