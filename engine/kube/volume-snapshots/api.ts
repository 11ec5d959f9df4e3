/**
 * The Kubernetes calls the volume-snapshot capture and restore need (VolumeSnapshot,
 * VolumeSnapshotContent, VolumeSnapshotClass, PVC, PV), behind an interface so the
 * orchestration can be unit-tested with a fake. Objects are plain API JSON.
 */
import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { describeFailure } from '../kube-client.ts';

export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';
export const SNAPSHOT_VERSION = 'v1';

/** The parts of a VolumeSnapshot this module reads. */
export interface VolumeSnapshotObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly creationTimestamp?: string;
  };
  readonly spec?: {
    readonly volumeSnapshotClassName?: string;
    readonly source?: { readonly persistentVolumeClaimName?: string };
  };
  readonly status?: {
    readonly boundVolumeSnapshotContentName?: string;
    readonly creationTime?: string;
    readonly readyToUse?: boolean;
    readonly restoreSize?: string;
    readonly error?: { readonly message?: string; readonly time?: string };
  };
}

export interface VolumeSnapshotContentObject {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly driver?: string };
  readonly status?: { readonly snapshotHandle?: string; readonly readyToUse?: boolean };
}

export interface VolumeSnapshotClassObject {
  readonly metadata?: { readonly name?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly driver?: string;
}

export interface PvcObject {
  readonly metadata?: { readonly name?: string; readonly uid?: string };
  readonly spec?: {
    readonly volumeName?: string;
    readonly storageClassName?: string;
    readonly accessModes?: readonly string[];
    readonly resources?: { readonly requests?: Readonly<Record<string, string>> };
  };
  readonly status?: { readonly phase?: string };
}

export interface PvObject {
  readonly spec?: { readonly csi?: { readonly driver?: string; readonly volumeHandle?: string } };
}

export interface VolumeSnapshotApi {
  createSnapshot(namespace: string, body: object): Promise<VolumeSnapshotObject>;
  /** undefined when it does not exist. */
  getSnapshot(namespace: string, name: string): Promise<VolumeSnapshotObject | undefined>;
  /** VolumeSnapshots of `namespace` matching `labelSelector`. */
  listSnapshots(namespace: string, labelSelector: string): Promise<VolumeSnapshotObject[]>;
  /** Idempotent: a missing snapshot is not an error. */
  deleteSnapshot(namespace: string, name: string): Promise<void>;
  getContent(name: string): Promise<VolumeSnapshotContentObject | undefined>;
  listClasses(): Promise<VolumeSnapshotClassObject[]>;
  getPvc(namespace: string, name: string): Promise<PvcObject | undefined>;
  getPv(name: string): Promise<PvObject | undefined>;
  createPvc(namespace: string, body: object): Promise<PvcObject>;
  /** Create a (pre-provisioned) VolumeSnapshotContent. */
  createContent(body: object): Promise<void>;
}

const notFound = (error: unknown) => error instanceof ApiException && error.code === 404;

/** A VolumeSnapshotApi over `@kubernetes/client-node`. */
export function volumeSnapshotApi(kc: KubeConfig): VolumeSnapshotApi {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const ns = (namespace: string) => ({
    group: SNAPSHOT_GROUP,
    version: SNAPSHOT_VERSION,
    namespace,
    plural: 'volumesnapshots',
  });
  const orUndefined = async <T>(what: string, call: () => Promise<unknown>): Promise<T | undefined> => {
    try {
      return (await call()) as T;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw describeFailure(what, error);
    }
  };
  return {
    async createSnapshot(namespace, body) {
      try {
        return (await custom.createNamespacedCustomObject({
          ...ns(namespace),
          body,
        })) as VolumeSnapshotObject;
      } catch (error) {
        throw describeFailure(`create VolumeSnapshot in ${namespace}`, error);
      }
    },
    getSnapshot: (namespace, name) =>
      orUndefined(`get VolumeSnapshot ${namespace}/${name}`, () =>
        custom.getNamespacedCustomObject({ ...ns(namespace), name }),
      ),
    async listSnapshots(namespace, labelSelector) {
      try {
        const list = (await custom.listNamespacedCustomObject({ ...ns(namespace), labelSelector })) as {
          items?: VolumeSnapshotObject[];
        };
        return list.items ?? [];
      } catch (error) {
        throw describeFailure(`list VolumeSnapshots in ${namespace}`, error);
      }
    },
    async deleteSnapshot(namespace, name) {
      await orUndefined(`delete VolumeSnapshot ${namespace}/${name}`, () =>
        custom.deleteNamespacedCustomObject({ ...ns(namespace), name }),
      );
    },
    getContent: (name) =>
      orUndefined(`get VolumeSnapshotContent ${name}`, () =>
        custom.getClusterCustomObject({
          group: SNAPSHOT_GROUP,
          version: SNAPSHOT_VERSION,
          plural: 'volumesnapshotcontents',
          name,
        }),
      ),
    async listClasses() {
      try {
        const list = (await custom.listClusterCustomObject({
          group: SNAPSHOT_GROUP,
          version: SNAPSHOT_VERSION,
          plural: 'volumesnapshotclasses',
        })) as { items?: VolumeSnapshotClassObject[] };
        return list.items ?? [];
      } catch (error) {
        throw describeFailure('list VolumeSnapshotClasses', error);
      }
    },
    getPvc: (namespace, name) =>
      orUndefined(`get PersistentVolumeClaim ${namespace}/${name}`, () =>
        core.readNamespacedPersistentVolumeClaim({ namespace, name }),
      ),
    getPv: (name) => orUndefined(`get PersistentVolume ${name}`, () => core.readPersistentVolume({ name })),
    async createContent(body) {
      try {
        await custom.createClusterCustomObject({
          group: SNAPSHOT_GROUP,
          version: SNAPSHOT_VERSION,
          plural: 'volumesnapshotcontents',
          body,
        });
      } catch (error) {
        throw describeFailure('create VolumeSnapshotContent', error);
      }
    },
    async createPvc(namespace, body) {
      try {
        return await core.createNamespacedPersistentVolumeClaim({
          namespace,
          body: body,
        });
      } catch (error) {
        throw describeFailure(`create PersistentVolumeClaim in ${namespace}`, error);
      }
    },
  };
}
