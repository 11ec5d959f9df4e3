/**
 * Recognition (pure): decide whether a StatefulSet or Deployment is a database Lifeboat
 * protects, which engine, how to reach it, where its credentials are, which volumes it
 * owns, and say why. Discovery feeds it plain API objects; unit tests feed it fixtures.
 */
import type {
  V1Container,
  V1Deployment,
  V1EndpointSlice,
  V1Endpoints,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { ENGINE_KINDS, type Endpoint, type EngineKind } from '../model/index.ts';
import { ANNOTATION, PART_OF_LABEL } from './annotations.ts';
import { credentialSource, type CredentialSource } from './credentials.ts';
import { resolveEndpoints } from './endpoints.ts';
import { ENGINE_ALIASES, recogniseImage } from './image.ts';

export type WorkloadKind = 'StatefulSet' | 'Deployment';

/** Everything recognition looks at in one namespace. */
export interface NamespaceObjects {
  readonly namespace: string;
  readonly statefulSets: readonly V1StatefulSet[];
  readonly deployments: readonly V1Deployment[];
  readonly services: readonly V1Service[];
  readonly pods: readonly V1Pod[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly endpoints: readonly V1Endpoints[];
  readonly pvcs: readonly V1PersistentVolumeClaim[];
}

/** A recognised database workload, before its credentials are read. No secret values. */
export interface RecognisedWorkload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
  readonly engine: EngineKind;
  /** Which annotation or container image decided the engine. */
  readonly engineWhy: string;
  readonly app: string;
  /** `annotation lifeboat.dev/app`, `label app.kubernetes.io/part-of` or `lone workload`. */
  readonly appWhy: string;
  readonly primary: Endpoint;
  readonly replicas: readonly Endpoint[];
  readonly endpointsWhy: readonly string[];
  readonly credentials: CredentialSource | undefined;
  readonly databases: readonly string[];
  /** PVC names the workload mounts (claim templates expanded per ordinal). */
  readonly pvcs: readonly string[];
  /** The subset of `pvcs` that exists in the namespace. */
  readonly pvcsFound: readonly string[];
  readonly blueprint: string | undefined;
  readonly strategy: string | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  /** The workload's own labels (what a BackupPolicy selector matches). */
  readonly labels: Readonly<Record<string, string>>;
}

/** A workload discovery looked at and left out, with the reason. */
export interface SkippedWorkload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
  readonly reason: string;
}

export type Recognition =
  | { readonly recognised: RecognisedWorkload; readonly skipped?: undefined }
  | { readonly skipped: SkippedWorkload; readonly recognised?: undefined };

const DATABASE_ENV = [
  'POSTGRES_DB',
  'POSTGRES_DATABASE',
  'POSTGRESQL_DATABASE',
  'MYSQL_DATABASE',
  'MARIADB_DATABASE',
  'MONGO_INITDB_DATABASE',
  'MONGODB_DATABASE',
];

type AnyWorkload = V1StatefulSet | V1Deployment;

interface EngineDecision {
  readonly engine?: EngineKind;
  readonly container?: V1Container;
  readonly why: string;
}

function decideEngine(
  annotations: Readonly<Record<string, string>>,
  containers: readonly V1Container[],
): EngineDecision {
  const matches = containers.flatMap((c) => {
    const m = c.image ? recogniseImage(c.image) : undefined;
    return m ? [{ container: c, match: m }] : [];
  });
  const annotated = annotations[ANNOTATION.engine];
  if (annotated !== undefined) {
    const value = annotated.trim().toLowerCase();
    if (value === 'none') return { why: `annotation ${ANNOTATION.engine}: none` };
    const engine = ENGINE_ALIASES[value];
    if (!engine) {
      return {
        why: `unknown engine "${annotated}" in annotation ${ANNOTATION.engine} (known: ${ENGINE_KINDS.join(', ')}, none)`,
      };
    }
    const container = matches.find((m) => m.match.engine === engine)?.container ?? containers[0];
    return {
      engine,
      ...(container ? { container } : {}),
      why: `annotation ${ANNOTATION.engine}=${annotated}`,
    };
  }
  const first = matches[0];
  if (first) {
    const kind = first.match.family === 'bitnami' ? 'Bitnami' : 'official';
    return {
      engine: first.match.engine,
      container: first.container,
      why: `container "${first.container.name}" runs ${kind} ${first.match.engine} image ${first.container.image ?? ''}`,
    };
  }
  const images = containers.map((c) => c.image ?? '?').join(', ');
  return {
    why: `no ${ANNOTATION.engine} annotation and no known database image (${images || 'no containers'})`,
  };
}

function envLiteral(container: V1Container | undefined, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = container?.env?.find((e) => e.name === name)?.value;
    if (v) return v;
  }
  return undefined;
}

function claimNames(kind: WorkloadKind, w: AnyWorkload, replicas: number): string[] {
  const name = w.metadata?.name ?? '';
  const names: string[] = [];
  if (kind === 'StatefulSet') {
    const templates = (w as V1StatefulSet).spec?.volumeClaimTemplates ?? [];
    for (const t of templates)
      for (let i = 0; i < replicas; i++) names.push(`${t.metadata?.name ?? ''}-${name}-${i}`);
  }
  for (const v of w.spec?.template.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) names.push(v.persistentVolumeClaim.claimName);
  }
  return names;
}

function applicationOf(
  name: string,
  annotations: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): [string, string] {
  const appAnnotation = annotations[ANNOTATION.app];
  const partOf = labels[PART_OF_LABEL];
  return appAnnotation
    ? [appAnnotation, `annotation ${ANNOTATION.app}`]
    : partOf
      ? [partOf, `label ${PART_OF_LABEL}`]
      : [name, 'lone workload'];
}

/**
 * The engine and application of a workload from the object alone (no Services, no
 * Secrets): what a policy needs to know which applications exist. `engine` is undefined
 * for a workload that is not a database (or opted out); `why` says which.
 */
export function classifyWorkload(w: AnyWorkload): { engine?: EngineKind; app: string; why: string } {
  const name = w.metadata?.name ?? '';
  const annotations = w.metadata?.annotations ?? {};
  const decision = decideEngine(annotations, w.spec?.template.spec?.containers ?? []);
  const [app] = applicationOf(name, annotations, w.metadata?.labels ?? {});
  return { ...(decision.engine ? { engine: decision.engine } : {}), app, why: decision.why };
}

/**
 * Recognise one workload of `kind` in `objects.namespace`. Skips (with the reason) a
 * workload annotated `lifeboat.dev/engine: none`, one with an unknown engine value, one
 * running no known database image, and one no Service reaches.
 */
export function recogniseWorkload(
  kind: WorkloadKind,
  w: AnyWorkload,
  objects: NamespaceObjects,
): Recognition {
  const name = w.metadata?.name ?? '';
  const namespace = w.metadata?.namespace ?? objects.namespace;
  const annotations = w.metadata?.annotations ?? {};
  const labels = w.metadata?.labels ?? {};
  const podSpec = w.spec?.template.spec;
  const containers = podSpec?.containers ?? [];
  const skip = (reason: string): Recognition => ({ skipped: { kind, name, namespace, reason } });

  const decision = decideEngine(annotations, containers);
  if (!decision.engine) return skip(decision.why);
  const engine = decision.engine;

  const replicas = w.spec?.replicas ?? 1;
  const annotatedDatabases = (annotations[ANNOTATION.databases] ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  const resolved = resolveEndpoints(
    {
      engine,
      kind,
      name,
      namespace,
      podLabels: w.spec?.template.metadata?.labels ?? {},
      selector: w.spec?.selector,
      replicas,
      serviceName: kind === 'StatefulSet' ? (w as V1StatefulSet).spec?.serviceName : undefined,
      containerPorts: decision.container?.ports ?? [],
      database: annotatedDatabases[0] ?? envLiteral(decision.container, DATABASE_ENV),
    },
    objects,
  );
  if (!resolved.primary) {
    return skip(`${decision.why}, but no Service reaches it (no selector match, no endpoints)`);
  }

  const [app, appWhy] = applicationOf(name, annotations, labels);

  const pvcs = claimNames(kind, w, replicas);
  const existing = new Set(objects.pvcs.map((p) => p.metadata?.name));
  return {
    recognised: {
      kind,
      name,
      namespace,
      engine,
      engineWhy: decision.why,
      app,
      appWhy,
      primary: resolved.primary,
      replicas: resolved.replicas,
      endpointsWhy: resolved.why,
      credentials: credentialSource(
        engine,
        decision.container ? [decision.container] : containers,
        annotations[ANNOTATION.credentials],
      ),
      databases: annotatedDatabases,
      pvcs,
      pvcsFound: pvcs.filter((p) => existing.has(p)),
      blueprint: annotations[ANNOTATION.blueprint],
      strategy: annotations[ANNOTATION.strategy],
      annotations,
      labels,
    },
  };
}

/** Recognise every StatefulSet and Deployment of a namespace. */
export function recogniseNamespace(objects: NamespaceObjects): {
  recognised: RecognisedWorkload[];
  skipped: SkippedWorkload[];
} {
  const recognised: RecognisedWorkload[] = [];
  const skipped: SkippedWorkload[] = [];
  const all: [WorkloadKind, AnyWorkload][] = [
    ...objects.statefulSets.map((s): [WorkloadKind, AnyWorkload] => ['StatefulSet', s]),
    ...objects.deployments.map((d): [WorkloadKind, AnyWorkload] => ['Deployment', d]),
  ];
  for (const [kind, w] of all) {
    const r = recogniseWorkload(kind, w, objects);
    if (r.recognised) recognised.push(r.recognised);
    else skipped.push(r.skipped);
  }
  return { recognised, skipped };
}
