/**
 * Primary and replica endpoints of a database workload from its Services, Pods and
 * EndpointSlices/Endpoints (pure).
 *
 * - A Service whose selector matches the pod template serves the workload: its DNS name
 *   `svc.ns.svc` is the endpoint; the role comes from the name (Bitnami's `-primary`,
 *   `-read`, `-replica`, …).
 * - The StatefulSet's headless governing Service gives one endpoint per pod
 *   (`sts-0.svc.ns.svc`), with the role from the pod's `role` label when the Pod exists.
 * - A Service without selector (named like the workload, its `serviceName`, or
 *   `<workload>-…`) is resolved through its EndpointSlices (or legacy Endpoints)
 *   addresses, or its `externalName`: that is how an external or hand-wired database is
 *   reached, in a real cluster as in tests.
 */
import type {
  V1ContainerPort,
  V1EndpointSlice,
  V1Endpoints,
  V1Pod,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';
import type { Endpoint, EndpointRole, EngineKind } from '../model/index.ts';
import { DEFAULT_PORT, URL_SCHEME } from './image.ts';
import { labelSelectorMatches, mapSelects } from './labels.ts';
import type { V1LabelSelector } from '@kubernetes/client-node';

/** What endpoint resolution needs to know about a workload. */
export interface EndpointInput {
  readonly engine: EngineKind;
  readonly kind: 'StatefulSet' | 'Deployment';
  readonly name: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly selector: V1LabelSelector | undefined;
  readonly replicas: number;
  /** StatefulSet `spec.serviceName`. */
  readonly serviceName: string | undefined;
  readonly containerPorts: readonly V1ContainerPort[];
  /** Database in the URL path (e.g. from POSTGRES_DB); none when undefined. */
  readonly database: string | undefined;
}

/** The namespace's objects endpoint resolution looks at. */
export interface EndpointObjects {
  readonly services: readonly V1Service[];
  readonly pods: readonly V1Pod[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly endpoints: readonly V1Endpoints[];
}

export interface ResolvedEndpoints {
  readonly primary: Endpoint | undefined;
  readonly replicas: readonly Endpoint[];
  /** How each endpoint was found, for `discover` output. */
  readonly why: readonly string[];
}

const PRIMARY_HINT = /-(primary|master|rw|write|leader)$/;
const REPLICA_HINT = /-(read|replica|replicas|secondary|slave|ro|readonly|standby)$/;

function roleFromName(name: string): EndpointRole {
  if (PRIMARY_HINT.test(name)) return 'primary';
  if (REPLICA_HINT.test(name)) return 'replica';
  return 'unknown';
}

function roleFromPod(pod: V1Pod | undefined): EndpointRole {
  const labels = pod?.metadata?.labels ?? {};
  const value = labels.role ?? labels['app.kubernetes.io/role'] ?? labels['spilo-role'];
  if (value === 'primary' || value === 'master') return 'primary';
  if (value === 'replica' || value === 'secondary' || value === 'standby') return 'replica';
  return 'unknown';
}

/** The container port that serves the database: named like the engine, or its default port. */
function databaseContainerPort(input: EndpointInput): V1ContainerPort | undefined {
  const def = DEFAULT_PORT[input.engine];
  return (
    input.containerPorts.find((p) => p.containerPort === def) ??
    input.containerPorts.find((p) =>
      /^(tcp-)?(postgres(ql)?|mysql|mariadb|mongo(db)?|cql|cassandra|db)$/.test(p.name ?? ''),
    ) ??
    input.containerPorts[0]
  );
}

/** The Service port that reaches the database container port. */
function databaseServicePort(
  service: V1Service,
  container: V1ContainerPort | undefined,
  engine: EngineKind,
): V1ServicePort | undefined {
  const ports = service.spec?.ports ?? [];
  const def = DEFAULT_PORT[engine];
  const target = (p: V1ServicePort) => p.targetPort ?? p.port;
  return (
    ports.find(
      (p) =>
        container !== undefined &&
        (target(p) === container.containerPort ||
          (container.name !== undefined && target(p) === container.name)),
    ) ??
    ports.find((p) => p.port === def || target(p) === def) ??
    ports[0]
  );
}

function endpointUrl(input: EndpointInput, host: string, port: number): string {
  // No user in the URL: it may come from a Secret, and credentials travel apart from endpoints.
  const path = input.database ? `/${encodeURIComponent(input.database)}` : '';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `${URL_SCHEME[input.engine]}://${hostPart}:${port}${path}`;
}

function endpoint(input: EndpointInput, host: string, port: number, role: EndpointRole): Endpoint {
  return { host, port, role, url: endpointUrl(input, host, port) };
}

/** Addresses of a selector-less Service: EndpointSlices first, legacy Endpoints otherwise. */
function manualAddresses(
  service: V1Service,
  port: V1ServicePort | undefined,
  objects: EndpointObjects,
): { ip: string; port: number }[] {
  const name = service.metadata?.name ?? '';
  const slices = objects.endpointSlices.filter(
    (s) => s.metadata?.labels?.['kubernetes.io/service-name'] === name,
  );
  const out: { ip: string; port: number }[] = [];
  for (const slice of slices) {
    const slicePort = slice.ports?.find((p) => p.name === port?.name) ?? slice.ports?.[0];
    const number = slicePort?.port ?? (typeof port?.targetPort === 'number' ? port.targetPort : port?.port);
    if (number === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses) out.push({ ip, port: number });
    }
  }
  if (out.length > 0) return out;
  const legacy = objects.endpoints.find((e) => e.metadata?.name === name);
  for (const subset of legacy?.subsets ?? []) {
    const subsetPort = subset.ports?.find((p) => p.name === port?.name) ?? subset.ports?.[0];
    if (subsetPort === undefined) continue;
    for (const address of subset.addresses ?? []) out.push({ ip: address.ip, port: subsetPort.port });
  }
  return out;
}

/**
 * Resolve a workload's endpoints. The primary is, in order: an endpoint with role
 * `primary`; a Service endpoint without a role hint; the first pod of a headless
 * StatefulSet Service; the first address of a selector-less Service. Replicas are the
 * endpoints with role `replica`. `primary` is undefined when nothing reaches the workload.
 */
export function resolveEndpoints(input: EndpointInput, objects: EndpointObjects): ResolvedEndpoints {
  const container = databaseContainerPort(input);
  const ns = input.namespace;
  const serviceLevel: Endpoint[] = [];
  const podLevel: Endpoint[] = [];
  const why: string[] = [];
  const pods = objects.pods.filter((p) => labelSelectorMatches(input.selector, p.metadata?.labels));
  for (const service of objects.services) {
    const name = service.metadata?.name ?? '';
    const selector = service.spec?.selector;
    const port = databaseServicePort(service, container, input.engine);
    const headless = service.spec?.clusterIP === 'None';
    if (selector && Object.keys(selector).length > 0) {
      if (!mapSelects(selector, input.podLabels)) continue;
      if (headless) {
        // Only the governing Service gives pods stable DNS names.
        if (input.kind !== 'StatefulSet' || input.serviceName !== name) continue;
        const number = container?.containerPort ?? port?.port ?? DEFAULT_PORT[input.engine];
        for (let i = 0; i < input.replicas; i++) {
          const podName = `${input.name}-${i}`;
          const pod = pods.find((p) => p.metadata?.name === podName);
          podLevel.push(endpoint(input, `${podName}.${name}.${ns}.svc`, number, roleFromPod(pod)));
        }
        why.push(`headless service ${name} (pods ${input.name}-0..${input.replicas - 1})`);
      } else {
        if (port === undefined) continue;
        serviceLevel.push(endpoint(input, `${name}.${ns}.svc`, port.port, roleFromName(name)));
        why.push(`service ${name} selects its pods`);
      }
      continue;
    }
    // No selector: only a Service tied to this workload by name, resolved through its addresses.
    if (name !== input.name && name !== input.serviceName && !name.startsWith(`${input.name}-`)) continue;
    const external = service.spec?.type === 'ExternalName' ? service.spec.externalName : undefined;
    if (external) {
      // A managed or outside database aliased into the cluster: its DNS name is the endpoint.
      serviceLevel.push(
        endpoint(input, external, port?.port ?? DEFAULT_PORT[input.engine], roleFromName(name)),
      );
      why.push(`service ${name} (ExternalName ${external})`);
      continue;
    }
    const addresses = manualAddresses(service, port, objects);
    if (addresses.length === 0) continue;
    const role = roleFromName(name);
    for (const a of addresses) serviceLevel.push(endpoint(input, a.ip, a.port, role));
    why.push(
      `service ${name} (no selector) endpoints ${addresses.map((a) => `${a.ip}:${a.port}`).join(',')}`,
    );
  }
  const all = [...serviceLevel, ...podLevel];
  const primary =
    all.find((e) => e.role === 'primary') ??
    serviceLevel.find((e) => e.role === 'unknown') ??
    podLevel.find((e) => e.role === 'unknown');
  const replicas = all.filter((e) => e.role === 'replica');
  return {
    primary: primary ? { ...primary, role: 'primary' } : undefined,
    replicas,
    why,
  };
}
