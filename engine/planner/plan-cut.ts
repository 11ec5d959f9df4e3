import type { AdapterCapabilities } from '../../adapters/types.ts';
import type { Workload } from '../model/index.ts';
import type { ConsistentCut, CutMember } from './types.ts';

/**
 * Order an application-consistent cut, pure.
 *
 * Members that can pin a snapshot are fenced and pinned one after another, fenceable ones
 * first (in application order); every fence holds until the cut ends. When every member
 * can pin, the very last one needs no fence: any write a captured write depends on either
 * committed before an earlier member's snapshot or is still blocked by that member's fence.
 * A pinned member that cannot be fenced and is not last only gets `snapshot-only`.
 *
 * A member that cannot pin a snapshot (FerretDB, MongoDB without a replica set, Cassandra)
 * reads each collection or token range at its own instant, so no single point of its
 * capture can be ordered against the others. Where its capture happens decides what the
 * cut keeps, for a chain that crosses it in either direction (X is a fenced member, U the
 * unpinned one, "→" is "is caused by"):
 * - before the fences: a captured U write → X holds (X's cause committed before U's write,
 *   so before X's fence and snapshot), but an X write → U breaks: U's cause may be written
 *   after U's capture read that collection and before X's fence;
 * - after the release (or pinned last with an unfenced last X): the mirror image, a
 *   captured U write → X breaks (X's cause may commit after the release, outside X's pin);
 * - while every fence holds, after every pin: both directions hold. A captured U write was
 *   written before the release, so its cause in X committed before X's fence (X accepts no
 *   write while fenced) and is in X's snapshot; an X write in X's snapshot committed before
 *   X's fence, so its cause in U was written before U's capture started. That is the order
 *   chosen here (guarantee `causal-in-window`), at the price of a fence window that lasts
 *   as long as the capture: the executor bounds it by the freeze deadline and spools the
 *   capture locally so storing it in the repository happens after the release. Because of
 *   that window every pinned member is fenced when unpinned members exist. An unpinned
 *   member whose server allows a session-bound fence is fenced too, which also gives its
 *   capture a point in time of its own: `causal` (MongoDB's fsyncLock is not offered: it
 *   outlives a killed Lifeboat, see adapters/mongodb/probe.ts). Two unfenced in-window
 *   members are not causal with each other (neither capture is atomic).
 */
export function planCut(
  workloads: readonly Workload[],
  capabilitiesOf: (workload: Workload) => AdapterCapabilities,
): ConsistentCut {
  const canFence = (w: Workload) => capabilitiesOf(w).fence;
  const canPin = (w: Workload) => capabilitiesOf(w).pinSnapshot;
  const pinned = [
    ...workloads.filter((w) => canPin(w) && canFence(w)),
    ...workloads.filter((w) => canPin(w) && !canFence(w)),
  ];
  const inWindow = workloads.filter((w) => !canPin(w));
  const pinnedMembers = pinned.map((w, i): CutMember => {
    const lastOfAll = inWindow.length === 0 && i === pinned.length - 1;
    return {
      name: w.name,
      fence: canFence(w) && !lastOfAll,
      capture: 'pin',
      guarantee: canFence(w) || lastOfAll ? 'causal' : 'snapshot-only',
    };
  });
  // With nothing fenced there is no window to be causal with: such a member is just unpinned.
  const anyFenced = pinnedMembers.some((m) => m.fence) || inWindow.some(canFence);
  const windowMembers = inWindow.map((w): CutMember => ({
    name: w.name,
    fence: canFence(w),
    capture: 'in-window',
    guarantee: canFence(w) ? 'causal' : anyFenced ? 'causal-in-window' : 'unpinned',
  }));
  return { members: [...pinnedMembers, ...windowMembers] };
}
