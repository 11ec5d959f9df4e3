import type { Fingerprint, Marker } from '../model/index.ts';
import type { MemberResult } from './results.ts';

/** What a backup records per member (the manifest's member entry), from a run's result. */
export interface CaptureSummary {
  readonly name: string;
  readonly engine: string;
  readonly strategy: string;
  readonly markers: readonly Marker[];
  readonly fingerprint?: Fingerprint;
  readonly details: Readonly<Record<string, string>>;
  readonly guarantee?: string;
  readonly bytes: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The capture facts of a succeeded member: markers, fingerprint and details from its
 * `<engine>.dump` phase (the last one that succeeded, if a blueprint dumps twice). A
 * blueprint without one (an engine with no adapter) records them with a generic function
 * such as `makeFingerprint`: then the last succeeded phase that output a fingerprint counts.
 */
export function captureSummary(member: MemberResult): CaptureSummary {
  const succeeded = member.phases.filter((p) => p.status === 'succeeded');
  const dump =
    succeeded.filter((p) => p.func.endsWith('.dump')).at(-1) ??
    succeeded.filter((p) => isRecord(p.output.fingerprint)).at(-1);
  const output = dump?.output ?? {};
  const markers = Array.isArray(output.markers)
    ? output.markers.filter(
        (m): m is Marker => isRecord(m) && typeof m.kind === 'string' && typeof m.value === 'string',
      )
    : [];
  const details = isRecord(output.details)
    ? Object.fromEntries(Object.entries(output.details).map(([k, v]) => [k, String(v)]))
    : {};
  return {
    name: member.member,
    engine: member.engine,
    strategy: member.strategy,
    markers,
    ...(isRecord(output.fingerprint) && { fingerprint: output.fingerprint as Fingerprint }),
    details,
    ...(member.guarantee !== undefined && { guarantee: member.guarantee }),
    bytes: member.bytes,
  };
}
