/**
 * Reads and status patches of Lifeboat custom resources. Status writes are JSON merge
 * patches on the `status` subresource; a patch carrying `metadata.resourceVersion` is
 * applied only if the object is still at that version (optimistic concurrency), else
 * the API answers 409 and `StatusConflict` is thrown.
 */
import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { describeFailure } from '../kube/index.ts';
import type { ResourceRef } from './resources.ts';
import type { KubeObject, ObjectKey } from './types.ts';

/** The object changed since it was read: re-read and decide again. */
export class StatusConflict extends Error {}

export class CustomObjects {
  readonly #api: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
  }

  /** The current object, or undefined when it does not exist. */
  async get(ref: ResourceRef, key: ObjectKey): Promise<KubeObject | undefined> {
    try {
      return (await this.#api.getNamespacedCustomObject({
        group: ref.group,
        version: ref.version,
        plural: ref.plural,
        namespace: key.namespace,
        name: key.name,
      })) as KubeObject;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw failure(`read ${ref.kind} ${key.namespace}/${key.name}`, error);
    }
  }

  /**
   * Merge `status` into the object's status. With `resourceVersion`, only if unchanged.
   * @throws StatusConflict (409), KubeError otherwise
   */
  async patchStatus(
    ref: ResourceRef,
    key: ObjectKey,
    status: Record<string, unknown>,
    resourceVersion?: string,
  ): Promise<KubeObject> {
    const body = {
      ...(resourceVersion !== undefined && { metadata: { resourceVersion } }),
      status,
    };
    try {
      return (await this.#api.patchNamespacedCustomObjectStatus(
        {
          group: ref.group,
          version: ref.version,
          plural: ref.plural,
          namespace: key.namespace,
          name: key.name,
          body,
          fieldManager: 'lifeboat-controller',
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as KubeObject;
    } catch (error) {
      if (error instanceof ApiException && error.code === 409)
        throw new StatusConflict(`${ref.kind} ${key.namespace}/${key.name} changed meanwhile`);
      throw failure(`patch status of ${ref.kind} ${key.namespace}/${key.name}`, error);
    }
  }
}

const failure = describeFailure;
