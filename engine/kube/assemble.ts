/**
 * From recognised workloads and the Secrets read to Lifeboat's model (pure): Workloads
 * with credentials resolved, grouped into Applications per namespace.
 */
import type { Application, Workload } from '../model/index.ts';
import { resolveCredentials, type SecretData } from './credentials.ts';
import type { RecognisedWorkload, SkippedWorkload } from './recognise.ts';

/** A discovered workload: the model plus what `discover` shows about it. */
export interface DiscoveredWorkload {
  /** Holds the resolved password: never print it (use `describe` fields below). */
  readonly workload: Workload;
  readonly recognised: RecognisedWorkload;
  /** e.g. `secret orders-db-auth key password (container env POSTGRES_PASSWORD)`; no values. */
  readonly credentialsFrom: string | undefined;
  /** Missing Secret or key, and similar problems that make a backup fail later. */
  readonly problems: readonly string[];
}

export interface DiscoveredApplication {
  readonly name: string;
  readonly namespace: string;
  readonly workloads: readonly DiscoveredWorkload[];
}

export interface DiscoveryResult {
  readonly applications: readonly DiscoveredApplication[];
  readonly skipped: readonly SkippedWorkload[];
}

/** The model Application (what `runBackup` takes) of a discovered one. */
export function toApplication(app: DiscoveredApplication): Application {
  return { name: app.name, namespace: app.namespace, workloads: app.workloads.map((w) => w.workload) };
}

function describeSource(r: RecognisedWorkload): string | undefined {
  const source = r.credentials;
  if (!source) return undefined;
  const part = (label: string, v: typeof source.password) => {
    if (!v) return undefined;
    return v.kind === 'secret'
      ? `${label} from secret ${v.secret} key ${v.key}`
      : `${label} from env ${v.env}`;
  };
  const parts = [part('user', source.username), part('password', source.password)].filter(
    (p) => p !== undefined,
  );
  return `${parts.join(', ')} (${source.why})`;
}

/** A Workload with its credentials resolved from `secrets` (the namespace's Secrets read). */
export function assembleWorkload(r: RecognisedWorkload, secrets: SecretData): DiscoveredWorkload {
  const problems: string[] = [];
  let credentials: Workload['credentials'] = {};
  const firstSecret = [r.credentials?.password, r.credentials?.username].find((v) => v?.kind === 'secret');
  const secretRef =
    firstSecret?.kind === 'secret' ? { namespace: r.namespace, name: firstSecret.secret } : undefined;
  if (r.credentials) {
    const resolved = resolveCredentials(r.credentials, secrets);
    problems.push(...resolved.problems);
    credentials = {
      username: resolved.username,
      ...(resolved.password === undefined ? {} : { password: resolved.password }),
      ...(secretRef ? { secretRef } : {}),
    };
  } else {
    problems.push('no credentials found (no lifeboat.dev/credentials annotation, no password env var)');
  }
  const workload: Workload = {
    name: r.name,
    engine: r.engine,
    primary: r.primary,
    replicas: r.replicas,
    databases: r.databases,
    credentials,
    owner: { kind: r.kind, name: r.name, namespace: r.namespace },
    namespace: r.namespace,
    annotations: r.annotations,
    pvcs: r.pvcs,
    source: 'kubernetes',
  };
  return { workload, recognised: r, credentialsFrom: describeSource(r), problems };
}

/** Group by namespace and application name, sorted for stable output. */
export function groupApplications(workloads: readonly DiscoveredWorkload[]): DiscoveredApplication[] {
  const groups = new Map<string, DiscoveredWorkload[]>();
  for (const w of workloads) {
    const key = `${w.recognised.namespace}/${w.recognised.app}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, members]) => ({
      name: members[0]?.recognised.app ?? '',
      namespace: members[0]?.recognised.namespace ?? '',
      workloads: [...members].sort((a, b) => a.recognised.name.localeCompare(b.recognised.name)),
    }));
}
