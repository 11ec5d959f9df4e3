/**
 * Storage classes of an application's PVCs (recorded in a backup's manifest, so a restore
 * into another cluster can map them) and the storage classes a cluster offers.
 * `pvcStorageClasses` is pure; the two readers are one paginated list / one list each.
 */
import {
  StorageV1Api,
  type KubeConfig,
  type V1PersistentVolumeClaim,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import type { KubeClient } from './kube-client.ts';

/**
 * PVC name → storage class: the PVC's own `storageClassName` when it exists, else the one
 * of the StatefulSet claim template it will be created from (`<template>-<sts>-<ordinal>`).
 */
export function pvcStorageClasses(
  pvcs: readonly V1PersistentVolumeClaim[],
  statefulSets: readonly V1StatefulSet[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sts of statefulSets) {
    const name = sts.metadata?.name ?? '';
    const replicas = sts.spec?.replicas ?? 1;
    for (const t of sts.spec?.volumeClaimTemplates ?? []) {
      const storageClass = t.spec?.storageClassName;
      if (!storageClass) continue;
      for (let i = 0; i < replicas; i++) out[`${t.metadata?.name ?? ''}-${name}-${i}`] = storageClass;
    }
  }
  for (const pvc of pvcs) {
    const name = pvc.metadata?.name;
    const storageClass = pvc.spec?.storageClassName;
    if (name && storageClass) out[name] = storageClass;
  }
  return out;
}

/** The storage class of every PVC (existing or templated) in `namespace`. */
export async function readPvcStorageClasses(
  client: KubeClient,
  namespace: string,
): Promise<Record<string, string>> {
  const [pvcs, statefulSets] = await Promise.all([
    client.list('persistentvolumeclaims', namespace),
    client.list('statefulsets', namespace),
  ]);
  return pvcStorageClasses(pvcs, statefulSets);
}

/** Names of the StorageClasses the cluster offers. */
export async function listStorageClassNames(kc: KubeConfig): Promise<string[]> {
  const list = await kc.makeApiClient(StorageV1Api).listStorageClass();
  return list.items
    .map((sc) => sc.metadata?.name ?? '')
    .filter(Boolean)
    .sort();
}
