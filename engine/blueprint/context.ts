/**
 * The template context: everything a blueprint's `${{ }}` expressions may read. It is
 * plain data built from the workload, the application, the backup and earlier phases'
 * outputs. Secrets are deliberately absent: functions receive credentials from the
 * workload object, never through templates, so a rendered arg can be printed safely.
 *
 * `CONTEXT_SHAPE` describes the same keys statically, so `lint` can reject an unknown key
 * without a database; `buildTemplateContext` produces the runtime value. Keep them in step
 * (a unit test checks that every runtime key is in the shape).
 */
import type { Application, Workload } from '../model/index.ts';

/** Static description of a context value. */
export type Shape =
  | { readonly kind: 'object'; readonly doc: string; readonly fields: Readonly<Record<string, Shape>> }
  | { readonly kind: 'map'; readonly doc: string; readonly of: Shape }
  | { readonly kind: 'list'; readonly doc: string; readonly of: Shape }
  | { readonly kind: 'value'; readonly doc: string; readonly type: 'string' | 'number' | 'boolean' | 'any' };

const str = (doc: string): Shape => ({ kind: 'value', type: 'string', doc });
const num = (doc: string): Shape => ({ kind: 'value', type: 'number', doc });
const bool = (doc: string): Shape => ({ kind: 'value', type: 'boolean', doc });
const any = (doc: string): Shape => ({ kind: 'value', type: 'any', doc });
const obj = (doc: string, fields: Record<string, Shape>): Shape => ({ kind: 'object', doc, fields });

const ENDPOINT: Shape = obj('a server of the workload (no credentials)', {
  host: str('host name or address'),
  port: num('TCP port'),
  role: str('primary | replica | unknown'),
  url: str('connection URL without password'),
});

const MARKER: Shape = obj('a position in the database history', {
  kind: str('lsn, gtid, binlog, clusterTime, …'),
  value: str('the position'),
});

/** Every key except `phases`, which depends on the blueprint (see `phaseShape`). */
export const CONTEXT_SHAPE: Readonly<Record<string, Shape>> = {
  workload: obj('the database instance this action runs for', {
    name: str('member name within the backup'),
    engine: str('postgres | mysql | mongodb | cassandra'),
    namespace: str('Kubernetes namespace, or null'),
    databases: { kind: 'list', doc: 'databases to capture; empty means all', of: str('database name') },
    primary: ENDPOINT,
    replicas: { kind: 'list', doc: 'replica servers', of: ENDPOINT },
    annotations: { kind: 'map', doc: 'Kubernetes annotations of the workload', of: str('annotation value') },
    pvcs: { kind: 'list', doc: 'PersistentVolumeClaims holding the data', of: str('PVC name') },
    owner: obj('owning Kubernetes object, or null', {
      kind: str('StatefulSet, Deployment, …'),
      name: str('object name'),
      namespace: str('object namespace'),
    }),
  }),
  application: obj('the application the workload belongs to', {
    name: str('application name'),
    namespace: str('namespace, or null'),
    members: { kind: 'list', doc: 'member names of the application', of: str('member name') },
  }),
  backup: obj('the backup being taken, or restored/verified', {
    id: str('backup id'),
    startedAt: str('ISO-8601 start time'),
    strategy: str('logical | replica | replica-snapshot | freeze-snapshot'),
    repository: str('id of the repository the backup is written to, or null'),
    fingerprint: any('fingerprint recorded at capture (restore/verify), or null'),
    markers: { kind: 'list', doc: 'markers recorded at capture (restore/verify)', of: MARKER },
    snapshot: str('handle of the snapshot pinned for this member by an application-consistent cut, or null'),
  }),
  options: obj('run options', {
    parallelism: num('parallel streams per member'),
    force: bool('overwrite non-empty restore targets'),
    rename: { kind: 'map', doc: 'restore: original database → target database', of: str('target name') },
    withUsers: bool('restore: also recreate the captured accounts and grants'),
    dataDir: str(
      "restore: the data directory this member's physical capture (replica-snapshot) goes to, or null",
    ),
    freezeDeadline: str('longest a write freeze may be held, e.g. 30s'),
    params: { kind: 'map', doc: 'free-form parameters given by the caller', of: any('parameter') },
  }),
};

/** The shape of `phases.<name>` for a phase whose function declares `outputs`. */
export function phaseShape(outputs: readonly string[]): Shape {
  return obj('an earlier phase', {
    status: str('succeeded | skipped | failed'),
    output: obj(
      'values the phase produced (null when skipped)',
      Object.fromEntries(outputs.map((o) => [o, any(o)])),
    ),
  });
}

/** Run options as templates see them. */
export interface TemplateOptions {
  readonly parallelism: number;
  readonly force: boolean;
  readonly rename: Readonly<Record<string, string>>;
  /** @default false */
  readonly withUsers?: boolean;
  /** Member name → data directory for its physical capture; templates see `options.dataDir`. @default {} */
  readonly dataDirs?: Readonly<Record<string, string>>;
  readonly freezeDeadline: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface BackupInfo {
  readonly id: string;
  readonly startedAt: string;
  readonly strategy: string;
  /** Id of the repository the backup is written to. */
  readonly repository?: string;
  readonly fingerprint?: unknown;
  readonly markers?: readonly { readonly kind: string; readonly value: string }[];
  /** Handle id of the member's snapshot from an application-consistent cut. */
  readonly snapshot?: string;
}

export interface PhaseRecord {
  readonly status: 'succeeded' | 'skipped' | 'failed';
  readonly output: Readonly<Record<string, unknown>>;
}

/** Build the runtime context; contains no credentials by construction. */
export function buildTemplateContext(input: {
  readonly workload: Workload;
  readonly application: Application;
  readonly backup: BackupInfo;
  readonly options: TemplateOptions;
  readonly phases: Readonly<Record<string, PhaseRecord>>;
}): Record<string, unknown> {
  const { workload, application, backup, options, phases } = input;
  const endpoint = (e: Workload['primary']) => ({ host: e.host, port: e.port, role: e.role, url: e.url });
  return {
    workload: {
      name: workload.name,
      engine: workload.engine,
      namespace: workload.namespace ?? null,
      databases: [...workload.databases],
      primary: endpoint(workload.primary),
      replicas: workload.replicas.map(endpoint),
      annotations: { ...workload.annotations },
      pvcs: [...workload.pvcs],
      owner: workload.owner
        ? { kind: workload.owner.kind, name: workload.owner.name, namespace: workload.owner.namespace }
        : null,
    },
    application: {
      name: application.name,
      namespace: application.namespace ?? null,
      members: application.workloads.map((w) => w.name),
    },
    backup: {
      id: backup.id,
      startedAt: backup.startedAt,
      strategy: backup.strategy,
      repository: backup.repository ?? null,
      fingerprint: backup.fingerprint ?? null,
      markers: backup.markers ? backup.markers.map((m) => ({ kind: m.kind, value: m.value })) : [],
      snapshot: backup.snapshot ?? null,
    },
    options: {
      parallelism: options.parallelism,
      force: options.force,
      rename: { ...options.rename },
      withUsers: options.withUsers ?? false,
      dataDir: options.dataDirs?.[workload.name] ?? null,
      freezeDeadline: options.freezeDeadline,
      params: { ...options.params },
    },
    phases: Object.fromEntries(
      Object.entries(phases).map(([name, record]) => [
        name,
        { status: record.status, output: { ...record.output } },
      ]),
    ),
  };
}
