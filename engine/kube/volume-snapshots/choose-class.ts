/**
 * Which VolumeSnapshotClass a PVC's snapshot uses: the one asked for (BackupPolicy or the
 * workload's `lifeboat.dev/snapshot-class` annotation), else the class marked default for
 * the PV's CSI driver. Pure.
 */
import { UsageError } from '../../errors.ts';
import type { VolumeSnapshotClassObject } from './api.ts';

export const SNAPSHOT_CLASS_ANNOTATION = 'lifeboat.dev/snapshot-class';
export const DEFAULT_CLASS_ANNOTATION = 'snapshot.storage.kubernetes.io/is-default-class';

/**
 * The class name for a volume of CSI `driver`.
 * @throws UsageError when the requested class does not exist or serves another driver,
 * or when no class (or several) is the default for the driver.
 */
export function chooseSnapshotClass(input: {
  readonly requested?: string | undefined;
  readonly driver: string;
  readonly classes: readonly VolumeSnapshotClassObject[];
  readonly pvc: string;
}): string {
  const { requested, driver, classes, pvc } = input;
  if (requested) {
    const found = classes.find((c) => c.metadata?.name === requested);
    if (!found) throw new UsageError(`VolumeSnapshotClass ${requested} (for PVC ${pvc}) does not exist`);
    if (found.driver !== driver)
      throw new UsageError(
        `VolumeSnapshotClass ${requested} is for driver ${found.driver ?? '?'}, but PVC ${pvc} is on ${driver}`,
      );
    return requested;
  }
  const defaults = classes.filter(
    (c) => c.driver === driver && c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true',
  );
  const only = defaults.length === 1 ? defaults[0]?.metadata?.name : undefined;
  if (only) return only;
  throw new UsageError(
    defaults.length === 0
      ? `no default VolumeSnapshotClass for CSI driver ${driver} (PVC ${pvc}): mark one with ${DEFAULT_CLASS_ANNOTATION}: "true" or set ${SNAPSHOT_CLASS_ANNOTATION}`
      : `several default VolumeSnapshotClasses for CSI driver ${driver} (PVC ${pvc}): set ${SNAPSHOT_CLASS_ANNOTATION}`,
  );
}
