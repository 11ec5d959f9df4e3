/**
 * Repository mode, pure part: manifests and drill reports → the dashboard's views. An
 * application here is what the backups call `app` (with the `namespace` label when the
 * backups were taken from a cluster). Nothing in a repository knows about policies, so
 * the policy RPO is null and "unprotected" never appears: a repository only holds what
 * was protected at some point.
 */
import type { Manifest, StoredReport } from '../repository/index.ts';
import type {
  ApplicationDetail,
  ApplicationSummary,
  BackupView,
  DrillView,
  LastDrill,
  MemberView,
  TableDifference,
} from './api-types.ts';

/** One committed backup and the drill reports stored next to it. */
export interface StoredBackup {
  readonly manifest: Manifest;
  readonly drills: readonly StoredReport[];
}

interface DrillReportShape {
  passed?: unknown;
  restoreMs?: unknown;
  error?: unknown;
  members?: unknown;
}

const seconds = (from: string, to: string): number | null => {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms / 1000 : null;
};

/** The application's Kubernetes namespace, for backups of discovered workloads. */
export function namespaceOf(manifest: Manifest): string | null {
  return manifest.namespace ?? manifest.labels.namespace ?? null;
}

const appKey = (namespace: string | null, name: string): string => `${namespace ?? ''}/${name}`;

/**
 * Bytes each backup added to the repository: the stored size of the packs it named
 * first (backups in start order), i.e. the packs it wrote. `packsOf` maps backup id →
 * the packs its index names, `packSize` pack id → stored object size.
 */
export function newStoredBytes(
  backups: readonly Manifest[],
  packsOf: ReadonlyMap<string, Iterable<string>>,
  packSize: ReadonlyMap<string, number>,
): Map<string, number> {
  const seen = new Set<string>();
  const out = new Map<string, number>();
  const ordered = [...backups].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const m of ordered) {
    let bytes = 0;
    for (const pack of packsOf.get(m.backupId) ?? []) {
      if (seen.has(pack)) continue;
      seen.add(pack);
      bytes += packSize.get(pack) ?? 0;
    }
    out.set(m.backupId, bytes);
  }
  return out;
}

export function backupView(manifest: Manifest, storedBytes: number | null): BackupView {
  const fences = manifest.members
    .map((m) => m.details.fenceWindowMs)
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .filter(Number.isFinite);
  return {
    id: manifest.backupId,
    phase: 'Succeeded',
    startedAt: manifest.startedAt,
    completedAt: manifest.completedAt,
    durationSeconds: seconds(manifest.startedAt, manifest.completedAt),
    bytes: manifest.artifacts.reduce((n, a) => n + a.bytes, 0),
    storedBytes,
    freezeWindowMs: fences.length > 0 ? Math.max(...fences) : null,
    message: null,
  };
}

function differencesOf(members: unknown): TableDifference[] {
  if (!Array.isArray(members)) return [];
  const out: TableDifference[] = [];
  for (const m of members as { member?: unknown; differences?: unknown }[]) {
    if (!Array.isArray(m.differences)) continue;
    for (const d of m.differences as { table?: unknown; expected?: unknown; actual?: unknown }[]) {
      out.push({
        member: typeof m.member === 'string' ? m.member : '',
        table: typeof d.table === 'string' ? d.table : '',
        expected: fingerprintOf(d.expected),
        actual: fingerprintOf(d.actual),
      });
    }
  }
  return out;
}

function fingerprintOf(value: unknown): { rows: number; hash: string } | null {
  const v = value as { rows?: unknown; hash?: unknown } | null | undefined;
  return v && typeof v.rows === 'number' && typeof v.hash === 'string'
    ? { rows: v.rows, hash: v.hash }
    : null;
}

export function drillView(backupId: string, stored: StoredReport, index: number): DrillView {
  const r = (stored.report ?? {}) as DrillReportShape;
  const differences = differencesOf(r.members);
  const passed = r.passed === true;
  return {
    id: `${backupId}#${index + 1}`,
    backupId,
    at: stored.storedAt,
    phase: passed ? 'Succeeded' : 'Failed',
    passed,
    recoverySeconds: typeof r.restoreMs === 'number' ? r.restoreMs / 1000 : null,
    differenceCount: differences.length,
    differences,
    message: typeof r.error === 'string' ? r.error : null,
  };
}

function lastDrillOf(drills: readonly DrillView[]): LastDrill | null {
  const last = drills.at(-1);
  if (!last) return null;
  return {
    at: last.at,
    passed: last.passed === true,
    recoverySeconds: last.recoverySeconds,
    backupId: last.backupId,
  };
}

/** Members by name (the manifest lists them in cut order, which varies between backups). */
function membersOf(manifest: Manifest): MemberView[] {
  return [...manifest.members]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({
      name: m.name,
      engine: m.engine ?? null,
      strategy: m.details.strategy ?? null,
      guarantee: m.guarantee ?? null,
      databases: (m.details.databases ?? '').split(',').filter(Boolean),
    }));
}

/** Group backups (any order) by application; each group's backups oldest first. */
function groups(backups: readonly StoredBackup[]): Map<string, StoredBackup[]> {
  const sorted = [...backups].sort(
    (a, b) =>
      a.manifest.startedAt.localeCompare(b.manifest.startedAt) ||
      a.manifest.backupId.localeCompare(b.manifest.backupId),
  );
  const map = new Map<string, StoredBackup[]>();
  for (const b of sorted) {
    const key = appKey(namespaceOf(b.manifest), b.manifest.app);
    map.set(key, [...(map.get(key) ?? []), b]);
  }
  return map;
}

function detailOf(
  list: readonly StoredBackup[],
  location: string,
  stored: ReadonlyMap<string, number>,
  now: Date,
): ApplicationDetail {
  const last = list.at(-1);
  if (!last) throw new Error('an application group is never empty');
  const manifest = last.manifest;
  const drills = list
    .flatMap((b) => b.drills.map((d, i) => drillView(b.manifest.backupId, d, i)))
    .sort((a, b) => a.at.localeCompare(b.at));
  const lastDrill = lastDrillOf(drills);
  const failing = lastDrill !== null && !lastDrill.passed;
  const backupViews = list.map((b) => backupView(b.manifest, stored.get(b.manifest.backupId) ?? null));
  const lastView = backupViews.at(-1) ?? null;
  return {
    namespace: namespaceOf(manifest),
    name: manifest.app,
    status: failing ? 'failing' : 'protected',
    reason: failing
      ? `the last drill (${lastDrill.at}) failed`
      : lastDrill
        ? 'backed up; the last drill passed'
        : 'backed up; never drilled',
    policy: manifest.labels.policy ?? null,
    repository: location,
    members: manifest.members.map((m) => m.name).sort(),
    lastBackup: lastView && {
      id: lastView.id,
      completedAt: lastView.completedAt,
      phase: lastView.phase,
      bytes: lastView.bytes,
    },
    lastDrill,
    rpo: {
      actualSeconds: Math.max(0, (now.getTime() - Date.parse(manifest.completedAt)) / 1000),
      policySeconds: null,
    },
    consistency: manifest.labels.consistency ?? null,
    memberDetails: membersOf(manifest),
    backups: backupViews,
    drills,
  };
}

/** Every application the repository holds backups of, by name. */
export function applicationDetails(
  backups: readonly StoredBackup[],
  location: string,
  /** Bytes each backup added (see newStoredBytes); empty when unknown. */
  stored: ReadonlyMap<string, number>,
  now: Date,
): ApplicationDetail[] {
  return [...groups(backups).values()]
    .map((list) => detailOf(list, location, stored, now))
    .sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
}

/** The summary of a detail (what the applications list shows). */
export function summaryOf(detail: ApplicationDetail): ApplicationSummary {
  const { consistency: _c, memberDetails: _m, backups: _b, drills: _d, ...summary } = detail;
  return summary;
}
