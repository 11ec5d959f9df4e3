/** One backup in detail (`lifeboat list BACKUP_ID`): members, strategies, guarantees, markers, fingerprints. */
import { GUARANTEE_MEANING, type Guarantee } from '../../planner/index.ts';
import type { Manifest } from '../../repository/index.ts';
import { humanBytes } from './_repository-options.ts';

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The manifest without its chunk lists: what a person or a script asks about a backup. */
export function backupDetails(manifest: Manifest) {
  return {
    backupId: manifest.backupId,
    app: manifest.app,
    cluster: manifest.cluster ?? null,
    namespace: manifest.namespace ?? null,
    startedAt: manifest.startedAt,
    completedAt: manifest.completedAt,
    retainUntil: manifest.retainUntil ?? null,
    labels: manifest.labels,
    members: manifest.members.map((m) => ({
      name: m.name,
      engine: m.engine ?? null,
      strategy: m.details.strategy ?? null,
      guarantee: m.guarantee ?? null,
      databases: (m.details.databases ?? '').split(',').filter(Boolean),
      bytes: manifest.artifacts.filter((a) => a.member === m.name).reduce((n, a) => n + a.bytes, 0),
      markers: m.markers,
      fenceWindowMs: m.details.fenceWindowMs === undefined ? null : Number(m.details.fenceWindowMs),
      fingerprint: m.fingerprint ?? {},
      kubernetes: m.kubernetes ?? null,
    })),
  };
}

export function formatBackupDetails(manifest: Manifest): string {
  const d = backupDetails(manifest);
  const fence = d.members.find((m) => m.fenceWindowMs !== null)?.fenceWindowMs;
  const head = [
    `backup ${d.backupId} of ${d.app}: ${d.startedAt} → ${d.completedAt}`,
    ...(d.cluster === null && d.namespace === null
      ? []
      : [`taken in: cluster ${d.cluster ?? '-'}, namespace ${d.namespace ?? '-'}`]),
    `consistency: ${d.labels.consistency ?? 'member'}${fence === undefined ? '' : `; writes fenced ${fence} ms`}`,
  ];
  const members = table([
    ['MEMBER', 'ENGINE', 'STRATEGY', 'GUARANTEE', 'DATABASES', 'SIZE', 'MARKERS'],
    ...d.members.map((m) => [
      m.name,
      m.engine ?? '-',
      m.strategy ?? '-',
      m.guarantee ?? '-',
      m.databases.join(',') || '-',
      humanBytes(m.bytes),
      m.markers.map((k) => `${k.kind}=${k.value}`).join(' ') || '-',
    ]),
  ]);
  const fingerprints = table([
    ['MEMBER', 'TABLE', 'ROWS', 'HASH'],
    ...d.members.flatMap((m) =>
      Object.entries(m.fingerprint)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, f]) => [m.name, name, String(f.rows), f.hash.slice(0, 16)]),
    ),
  ]);
  // Where discovered members lived: what a Restore in another namespace or cluster maps.
  const placed = d.members.filter((m) => m.kubernetes !== null);
  const kubernetes = placed.length
    ? table([
        ['MEMBER', 'NAMESPACE', 'WORKLOAD', 'PVCS (STORAGE CLASS)'],
        ...placed.map((m) => [
          m.name,
          m.kubernetes?.namespace ?? '-',
          `${m.kubernetes?.kind ?? ''}/${m.kubernetes?.name ?? ''}`,
          m.kubernetes?.pvcs.map((p) => `${p.name} (${p.storageClass ?? '?'})`).join(' ') || '-',
        ]),
      ])
    : undefined;
  // What each guarantee shown above means (only those this backup has).
  const shown = [...new Set(d.members.map((m) => m.guarantee).filter((g) => g !== null))];
  const legend = shown.map(
    (g) => `  ${g}: ${g in GUARANTEE_MEANING ? GUARANTEE_MEANING[g as Guarantee] : '?'}`,
  );
  return [
    ...head,
    '',
    members,
    ...(legend.length ? ['', 'guarantees:', ...legend] : []),
    ...(kubernetes ? ['', kubernetes] : []),
    '',
    fingerprints,
  ].join('\n');
}
