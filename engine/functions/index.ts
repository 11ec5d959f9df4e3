/**
 * The blueprint function registry. Generic functions are listed explicitly here; adapter
 * functions are generated for each adapter passed in (the CLI passes `adapters/index.ts`'s
 * list). No registration by import side effect; a duplicate name throws at startup.
 */
import type { DatabaseAdapter } from '../../adapters/types.ts';
import { adapterFunctions } from './adapter/index.ts';
import { assertFunction } from './assert.ts';
import { compareFingerprintsFunction } from './compare-fingerprints.ts';
import { execFunction } from './exec.ts';
import { kubeExecFunction } from './kube-exec.ts';
import { makeFingerprintFunction } from './make-fingerprint.ts';
import { createRegistry } from './registry.ts';
import { sleepFunction } from './sleep.ts';
import { waitForFunction } from './wait-for.ts';
import { makePrepareVolumeSnapshotsFunction, snapshotVolumesFunction } from './volume-snapshots/index.ts';
import type { BlueprintFunction, FunctionRegistry } from './types.ts';

export const GENERIC_FUNCTIONS: readonly BlueprintFunction[] = [
  execFunction,
  kubeExecFunction,
  waitForFunction,
  assertFunction,
  sleepFunction,
  makeFingerprintFunction,
  compareFingerprintsFunction,
  makePrepareVolumeSnapshotsFunction(),
  snapshotVolumesFunction,
];

/** Registry of the generic functions plus every adapter's functions (and `extra`, for tests and plugins). */
export function buildRegistry(
  adapters: Iterable<DatabaseAdapter>,
  extra: readonly BlueprintFunction[] = [],
): FunctionRegistry {
  return createRegistry([...GENERIC_FUNCTIONS, ...adapterFunctions([...adapters]), ...extra]);
}

export { createRegistry } from './registry.ts';
export { createHandleBag } from './handle-bag.ts';
export { defineFunction } from './define-function.ts';
export { diffFingerprints, type FingerprintDifference } from './compare-fingerprints.ts';
export { FENCE_HANDLE, SNAPSHOT_HANDLE } from './adapter/handles.ts';
export type * from './types.ts';
