/**
 * Restoring a backup into another namespace or cluster (pure): which workload of the
 * target receives each member, under which database names, and which storage class each
 * recorded PVC maps to. The backup's manifest records where every discovered member lived
 * (`kubernetes`: namespace, owning workload, PVCs with storage classes); the target side is
 * the workloads discovery found in the target cluster. Nothing here performs I/O.
 *
 * Rules:
 * - a member's source namespace is its recorded one (else the manifest's); it maps through
 *   `namespaceMapping`, else to `targetNamespace`;
 * - in that namespace the member goes to the workload of the same kind and name as its
 *   recorded owner, else to the workload named like the member; the engine must match;
 * - each recorded PVC keeps its name (with the owner's name replaced when the target
 *   workload is named differently) and gets `storageClassMapping[class] ?? class`;
 * - `databaseMapping` renames databases (source → target name) for the members that
 *   captured them.
 * Every member that cannot be placed is reported as a problem; callers refuse to start then.
 */
import type { Workload } from '../model/index.ts';
import type { Manifest, ManifestMember } from '../repository/index.ts';
import { memberDatabases, memberEngine } from './member-record.ts';
import type { RestoreRequest } from './restore.ts';

export interface RestoreMappingSpec {
  /** Namespace for members whose source namespace `namespaceMapping` does not name (the Restore's by default). */
  readonly targetNamespace: string;
  /** Source namespace → target namespace. */
  readonly namespaceMapping?: Readonly<Record<string, string>>;
  /** Source storage class → target storage class. */
  readonly storageClassMapping?: Readonly<Record<string, string>>;
  /** Source database name → target database name. */
  readonly databaseMapping?: Readonly<Record<string, string>>;
  /** Only these members; all when undefined or empty. */
  readonly members?: readonly string[];
  /** The cluster the Restore expects the backup to come from; checked against the manifest. */
  readonly sourceCluster?: string;
  /** Storage classes of the target cluster; when given, every mapped class must be one. */
  readonly availableStorageClasses?: readonly string[];
}

export interface MappedPvc {
  readonly source: string;
  readonly target: string;
  readonly sourceStorageClass?: string;
  readonly storageClass?: string;
}

export interface MappedMember {
  readonly member: string;
  readonly engine: string;
  readonly sourceNamespace: string | undefined;
  readonly targetNamespace: string;
  /** The target workload (credentials included: never print it whole). */
  readonly workload: Workload;
  readonly matchedBy: 'owner' | 'member name';
  /** Source → target database names of this member (identity entries left out). */
  readonly rename: Readonly<Record<string, string>>;
  /** Databases as they will be named in the target. */
  readonly databases: readonly string[];
  readonly pvcs: readonly MappedPvc[];
}

export interface RestoreMapping {
  readonly members: readonly MappedMember[];
  /** Why a member cannot be placed; empty when the restore may start. */
  readonly problems: readonly string[];
}

export function mapRestoreTargets(
  manifest: Manifest,
  spec: RestoreMappingSpec,
  targetWorkloads: readonly Workload[],
): RestoreMapping {
  const problems: string[] = [];
  if (spec.sourceCluster !== undefined && manifest.cluster !== spec.sourceCluster) {
    problems.push(
      `backup ${manifest.backupId} was taken in cluster ${manifest.cluster ?? '(not recorded)'}, not ${spec.sourceCluster}`,
    );
  }
  const wanted = spec.members ?? [];
  const names = manifest.members.map((m) => m.name);
  for (const name of wanted) {
    if (!names.includes(name))
      problems.push(`member ${name}: not in backup ${manifest.backupId} (it has: ${names.join(', ')})`);
  }
  const members: MappedMember[] = [];
  for (const member of manifest.members) {
    if (wanted.length > 0 && !wanted.includes(member.name)) continue;
    const mapped = mapMember(manifest, member, spec, targetWorkloads);
    if (typeof mapped === 'string') problems.push(`member ${member.name}: ${mapped}`);
    else {
      members.push(mapped.member);
      problems.push(...mapped.problems.map((p) => `member ${member.name}: ${p}`));
    }
  }
  return { members, problems };
}

/** The namespace each selected member restores into (before looking for workloads there). */
export function memberTargetNamespaces(
  manifest: Manifest,
  spec: Pick<RestoreMappingSpec, 'targetNamespace' | 'namespaceMapping' | 'members'>,
): Record<string, string> {
  const wanted = spec.members ?? [];
  return Object.fromEntries(
    manifest.members
      .filter((m) => wanted.length === 0 || wanted.includes(m.name))
      .map((m) => [m.name, targetNamespaceOf(manifest, m, spec)]),
  );
}

function targetNamespaceOf(
  manifest: Manifest,
  member: ManifestMember,
  spec: Pick<RestoreMappingSpec, 'targetNamespace' | 'namespaceMapping'>,
): string {
  const source = member.kubernetes?.namespace ?? manifest.namespace;
  return (source !== undefined ? spec.namespaceMapping?.[source] : undefined) ?? spec.targetNamespace;
}

function mapMember(
  manifest: Manifest,
  member: ManifestMember,
  spec: RestoreMappingSpec,
  targets: readonly Workload[],
): { member: MappedMember; problems: string[] } | string {
  const recorded = member.kubernetes;
  const sourceNamespace = recorded?.namespace ?? manifest.namespace;
  const targetNamespace =
    (sourceNamespace !== undefined ? spec.namespaceMapping?.[sourceNamespace] : undefined) ??
    spec.targetNamespace;
  const engine = memberEngine(member);
  const inNamespace = targets.filter((w) => (w.owner?.namespace ?? w.namespace) === targetNamespace);
  const byOwner = recorded
    ? inNamespace.find((w) => w.owner?.kind === recorded.kind && w.owner.name === recorded.name)
    : undefined;
  const workload = byOwner ?? inNamespace.find((w) => w.name === member.name);
  if (!workload) {
    const wantedName = recorded ? `${recorded.kind} ${recorded.name}` : `a workload named ${member.name}`;
    const found = inNamespace.map((w) => `${w.owner?.kind ?? 'workload'} ${w.name}`).join(', ') || 'none';
    return `no ${wantedName} in namespace ${targetNamespace} of the target cluster (database workloads found: ${found})`;
  }
  if (workload.engine !== engine)
    return `target ${workload.name} in namespace ${targetNamespace} runs ${workload.engine}, the backup holds ${engine}`;

  const problems: string[] = [];
  const rename: Record<string, string> = {};
  for (const db of memberDatabases(member)) {
    const to = spec.databaseMapping?.[db];
    if (to !== undefined && to !== db) rename[db] = to;
  }
  const pvcs = (recorded?.pvcs ?? []).map((pvc): MappedPvc => {
    const sourceClass = pvc.storageClass;
    const storageClass =
      sourceClass === undefined ? undefined : (spec.storageClassMapping?.[sourceClass] ?? sourceClass);
    if (
      storageClass !== undefined &&
      spec.availableStorageClasses !== undefined &&
      !spec.availableStorageClasses.includes(storageClass)
    ) {
      problems.push(
        `PVC ${pvc.name}: storage class ${storageClass}${storageClass === sourceClass ? '' : ` (mapped from ${sourceClass})`} does not exist in the target cluster; map it with storageClassMapping`,
      );
    }
    return {
      source: pvc.name,
      target: targetPvcName(pvc.name, recorded?.name, workload),
      ...(sourceClass !== undefined && { sourceStorageClass: sourceClass }),
      ...(storageClass !== undefined && { storageClass }),
    };
  });
  return {
    member: {
      member: member.name,
      engine,
      sourceNamespace,
      targetNamespace,
      workload,
      matchedBy: byOwner ? 'owner' : 'member name',
      rename,
      databases: memberDatabases(member).map((db) => rename[db] ?? db),
      pvcs,
    },
    problems,
  };
}

/** `data-orders-db-0` of source `orders-db` → `data-orders-v2-0` for target `orders-v2` (unchanged when equal). */
function targetPvcName(source: string, sourceOwner: string | undefined, target: Workload): string {
  if (target.pvcs.includes(source)) return source;
  const targetOwner = target.owner?.name ?? target.name;
  if (sourceOwner === undefined || sourceOwner === targetOwner) return source;
  const match = new RegExp(`^(.+)-${escapeRegExp(sourceOwner)}-(\\d+)$`).exec(source);
  return match ? `${match[1] ?? ''}-${targetOwner}-${match[2] ?? ''}` : source;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The `runRestore` request for a mapping: each member's target URL (server and user of
 * the target workload, no database: names come from `rename`), its password from the
 * target's credentials (never in the URL), and the database renames.
 */
export function restoreRequestFor(
  manifest: Manifest,
  mapping: RestoreMapping,
  options: { readonly force: boolean; readonly verify: boolean; readonly parallelism: number },
): RestoreRequest {
  const targets: Record<string, string> = {};
  const passwords: Record<string, string | undefined> = {};
  const rename: Record<string, Record<string, string>> = {};
  for (const m of mapping.members) {
    const url = new URL(m.workload.primary.url);
    url.password = '';
    url.username = m.workload.credentials.username ?? '';
    url.pathname = '/';
    targets[m.member] = url.toString();
    passwords[m.member] = m.workload.credentials.password;
    if (Object.keys(m.rename).length > 0) rename[m.member] = { ...m.rename };
  }
  return {
    backupId: manifest.backupId,
    only: mapping.members.map((m) => m.member),
    targets,
    force: options.force,
    verify: options.verify,
    parallelism: options.parallelism,
    passwordFor: (member) => passwords[member],
    rename,
  };
}
