/**
 * The backup manifest: the commit point of a backup. Versioned JSON, sealed like a
 * chunk (encrypted when the repository has a key). It lists every artifact as an
 * ordered list of chunks, plus what a restore and a drill need: members, markers,
 * fingerprints, the blueprint, tool versions and the retention date.
 */
import { z } from 'zod';

export const MANIFEST_VERSION = 1;

const ChunkRefSchema = z.tuple([z.string().regex(/^[0-9a-f]{64}$/), z.number().int().nonnegative()]);

const ArtifactSchema = z.object({
  member: z.string(),
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  /** [chunk id, plaintext size] in stream order. */
  chunks: z.array(ChunkRefSchema),
  meta: z.record(z.string(), z.string()),
});

/** Where a member lived in Kubernetes (discovered workloads only): what a cross-cluster restore maps. */
const KubernetesRecordSchema = z.object({
  namespace: z.string(),
  /** The owning workload, e.g. `StatefulSet`/`orders-db`. */
  kind: z.string(),
  name: z.string(),
  /** Its PersistentVolumeClaims and their storage classes when known. */
  pvcs: z.array(z.object({ name: z.string(), storageClass: z.string().optional() })).default([]),
});

const MemberSchema = z.object({
  name: z.string(),
  engine: z.string().optional(),
  markers: z.array(z.object({ kind: z.string(), value: z.string() })).default([]),
  fingerprint: z.record(z.string(), z.object({ rows: z.number(), hash: z.string() })).optional(),
  /** Which consistency guarantee this member got (e.g. `fenced`, `snapshot-only`). */
  guarantee: z.string().optional(),
  details: z.record(z.string(), z.string()).default({}),
  kubernetes: KubernetesRecordSchema.optional(),
});

export const ManifestSchema = z.object({
  version: z.literal(MANIFEST_VERSION),
  backupId: z.string(),
  app: z.string(),
  /**
   * Identity of the cluster the backup was taken in (several clusters may share one
   * repository). Absent in manifests written before it was recorded and by CLI backups
   * given no `--cluster`.
   */
  cluster: z.string().optional(),
  /** Kubernetes namespace of the application, for backups of discovered workloads. */
  namespace: z.string().optional(),
  startedAt: z.string(),
  completedAt: z.string(),
  /** Until when the backup (and every chunk it uses) is kept / object-locked. */
  retainUntil: z.string().optional(),
  members: z.array(MemberSchema),
  artifacts: z.array(ArtifactSchema),
  blueprint: z.unknown().optional(),
  tools: z.record(z.string(), z.string()),
  labels: z.record(z.string(), z.string()).default({}),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestArtifact = z.infer<typeof ArtifactSchema>;
export type ManifestMember = z.infer<typeof MemberSchema>;
export type KubernetesRecord = z.infer<typeof KubernetesRecordSchema>;

/** Parse and validate manifest JSON; throws a ZodError or SyntaxError on bad input. */
export function parseManifest(json: string): Manifest {
  return ManifestSchema.parse(JSON.parse(json));
}

/** Canonical JSON of a manifest. */
export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(ManifestSchema.parse(manifest));
}

/** Every chunk id a manifest references. */
export function manifestChunkIds(manifest: Manifest): Set<string> {
  const ids = new Set<string>();
  for (const artifact of manifest.artifacts) for (const [id] of artifact.chunks) ids.add(id);
  return ids;
}

/** A new backup id: sortable by time, unique by a random suffix. */
export function newBackupId(now: Date, random: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${random}`;
}

/** Backup ids are used in object keys: allow only a safe alphabet. */
export function isBackupId(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value);
}
