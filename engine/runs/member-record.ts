/**
 * How one member's capture is recorded in the manifest and read back for restore,
 * verify and export. The manifest holds no secrets: the endpoint URL is stored without
 * password, credentials are supplied again at restore time.
 */
import type { EngineKind, Fingerprint } from '../model/index.ts';
import { captureSummary, type MemberResult } from '../executor/index.ts';
import type { RecordedMember } from '../planner/index.ts';
import type { KubernetesRecord, Manifest, ManifestMember } from '../repository/index.ts';
import type { Workload } from '../model/index.ts';
import type { Strategy } from '../../adapters/types.ts';
import { refuseStreamMember } from './stream-member.ts';

/** The manifest entry of a member that captured successfully. */
export function manifestMember(
  workload: Workload,
  result: MemberResult,
  blueprint: string,
  storageClasses: Readonly<Record<string, string>> = {},
): ManifestMember {
  const capture = captureSummary(result);
  const kubernetes = kubernetesRecord(workload, storageClasses);
  const databases =
    capture.details.databases ?? capturedDatabases(capture.fingerprint, workload.databases).join(',');
  return {
    name: workload.name,
    engine: workload.engine,
    markers: capture.markers.map((m) => ({ kind: m.kind, value: m.value })),
    ...(capture.fingerprint && { fingerprint: { ...capture.fingerprint } }),
    ...(capture.guarantee !== undefined && { guarantee: capture.guarantee }),
    details: {
      ...capture.details,
      strategy: capture.strategy,
      blueprint,
      endpoint: workload.primary.url,
      databases,
      bytes: String(capture.bytes),
      rows: String(result.rows),
      durationMs: String(result.durationMs),
    },
    ...(kubernetes && { kubernetes }),
  };
}

/** Where a discovered workload lived (no secrets: names only); undefined for `--db` URLs. */
function kubernetesRecord(
  workload: Workload,
  storageClasses: Readonly<Record<string, string>>,
): KubernetesRecord | undefined {
  const namespace = workload.owner?.namespace ?? workload.namespace;
  if (workload.source !== 'kubernetes' || !workload.owner || namespace === undefined) return undefined;
  return {
    namespace,
    kind: workload.owner.kind,
    name: workload.owner.name,
    pvcs: workload.pvcs.map((name) => {
      const storageClass = storageClasses[name];
      return storageClass === undefined ? { name } : { name, storageClass };
    }),
  };
}

/** Databases named by fingerprint keys (`db.table`, `db.schema.table`), else the requested ones. */
function capturedDatabases(fingerprint: Fingerprint | undefined, requested: readonly string[]): string[] {
  const fromKeys = new Set(Object.keys(fingerprint ?? {}).map((key) => key.split('.')[0] ?? key));
  return fromKeys.size > 0 ? [...fromKeys].sort() : [...requested];
}

/** What restore and verify plans need from the manifest, per member. */
export function recordedMembers(manifest: Manifest): Record<string, RecordedMember> {
  return Object.fromEntries(
    manifest.members.map((m) => [
      m.name,
      {
        strategy: (m.details.strategy ?? 'logical') as Strategy,
        ...(m.fingerprint && { fingerprint: m.fingerprint }),
        markers: m.markers,
      },
    ]),
  );
}

export function memberDatabases(member: ManifestMember): string[] {
  return (member.details.databases ?? '').split(',').filter(Boolean);
}

export function memberEngine(member: ManifestMember): EngineKind {
  refuseStreamMember(member);
  return (member.engine ?? 'postgres') as EngineKind;
}
