/** Handle kinds in the per-member HandleBag. */
export const FENCE_HANDLE = 'fence';
export const SNAPSHOT_HANDLE = 'snapshot';
