/**
 * Functions generated for every registered adapter: `<engine>.probe`, `.dump`, `.load`,
 * `.restoreDataDir`, `.freeze`, `.thaw`, `.pinSnapshot`, `.releaseSnapshot`, `.prepareCut`, `.fingerprint`,
 * `.backupStart`, `.backupStop`, `.recordVolumeSnapshot` (freeze-snapshot). Each calls the
 * DatabaseAdapter method of the same meaning; the list below is explicit.
 */
import type { DatabaseAdapter } from '../../../adapters/types.ts';
import type { BlueprintFunction } from '../types.ts';
import { backupStartFunction } from './backup-start.ts';
import { backupStopFunction } from './backup-stop.ts';
import { dumpFunction } from './dump.ts';
import { fingerprintFunction } from './fingerprint.ts';
import { freezeFunction } from './freeze.ts';
import { loadFunction } from './load.ts';
import { pinSnapshotFunction } from './pin-snapshot.ts';
import { prepareCutFunction } from './prepare-cut.ts';
import { probeFunction } from './probe.ts';
import { recordVolumeSnapshotFunction } from './record-volume-snapshot.ts';
import { releaseSnapshotFunction } from './release-snapshot.ts';
import { restoreDataDirFunction } from './restore-data-dir.ts';
import { thawFunction } from './thaw.ts';

export const ADAPTER_FUNCTION_FACTORIES: readonly ((adapter: DatabaseAdapter) => BlueprintFunction)[] = [
  probeFunction,
  dumpFunction,
  loadFunction,
  restoreDataDirFunction,
  freezeFunction,
  thawFunction,
  pinSnapshotFunction,
  releaseSnapshotFunction,
  prepareCutFunction,
  fingerprintFunction,
  backupStartFunction,
  backupStopFunction,
  recordVolumeSnapshotFunction,
];

/** All adapter functions for `adapters`, in a stable order. */
export function adapterFunctions(adapters: readonly DatabaseAdapter[]): BlueprintFunction[] {
  return adapters.flatMap((adapter) => ADAPTER_FUNCTION_FACTORIES.map((factory) => factory(adapter)));
}
