import type { AdapterCapabilities } from '../../adapters/types.ts';
import type { Workload } from '../model/index.ts';
import type { ConsistentCut, CutMember } from './types.ts';

/**
 * Order an application-consistent cut, pure. Members that can be fenced come first (in
 * application order) and are fenced until the last snapshot is pinned; members that cannot
 * be fenced go last. The very last member needs no fence: any write a captured write
 * depends on either committed before an earlier member's snapshot or is still blocked by
 * that member's fence. Every unfenceable member but the last only gets `snapshot-only`.
 */
export function planCut(
  workloads: readonly Workload[],
  capabilitiesOf: (workload: Workload) => AdapterCapabilities,
): ConsistentCut {
  const fenceable = workloads.filter((w) => capabilitiesOf(w).fence);
  const unfenceable = workloads.filter((w) => !capabilitiesOf(w).fence);
  const ordered = [...fenceable, ...unfenceable];
  const members = ordered.map((w, i): CutMember => {
    const last = i === ordered.length - 1;
    const canFence = capabilitiesOf(w).fence;
    return {
      name: w.name,
      fence: canFence && !last,
      guarantee: canFence || last ? 'causal' : 'snapshot-only',
    };
  });
  return { members };
}
