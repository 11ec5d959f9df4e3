/** Where the volume-snapshot functions get their Kubernetes API (the default configuration, loaded once). */
import { loadKubeConfig } from '../../kube/kube-client.ts';
import { volumeSnapshotApi, type VolumeSnapshotApi } from '../../kube/volume-snapshots/index.ts';

let api: VolumeSnapshotApi | undefined;

/** KUBECONFIG, ~/.kube/config or the in-cluster service account. */
export function defaultVolumeSnapshotApi(): VolumeSnapshotApi {
  api ??= volumeSnapshotApi(loadKubeConfig());
  return api;
}
