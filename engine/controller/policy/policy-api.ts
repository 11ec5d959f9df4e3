/**
 * The API calls the policy reconciler makes, behind a small interface (tests of the
 * orchestration can record them): create a run CR (AlreadyExists is success), merge-patch
 * a policy's status, delete a pruned Backup CR (NotFound is success).
 */

import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { API_VERSION } from '../../kube/api/v1alpha1/index.ts';
import { describeFailure } from '../../kube/index.ts';
import { RESOURCES, type ResourceRef } from '../resources.ts';
import type { RunToCreate } from './plan-runs.ts';

export interface PolicyApi {
  /** Create the run; `exists` when an object of that name is already there (another pass or controller). */
  createRun(namespace: string, run: RunToCreate): Promise<'created' | 'exists'>;
  /** Merge-patch `status` of BackupPolicy `namespace/name` (the status subresource). */
  patchPolicyStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void>;
  /** Delete Backup CR `namespace/name`; already gone is fine. */
  deleteBackup(namespace: string, name: string): Promise<void>;
}

const failure = describeFailure;

const statusOf = (error: unknown): number | undefined =>
  error instanceof ApiException ? error.code : undefined;

const resourceOfKind = (kind: RunToCreate['kind']): ResourceRef =>
  kind === 'Backup' ? RESOURCES.backups : RESOURCES.drills;

/** A PolicyApi over `@kubernetes/client-node`. */
export function kubePolicyApi(kc: KubeConfig): PolicyApi {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async createRun(namespace, run) {
      const ref = resourceOfKind(run.kind);
      try {
        await custom.createNamespacedCustomObject({
          group: ref.group,
          version: ref.version,
          namespace,
          plural: ref.plural,
          body: {
            apiVersion: API_VERSION,
            kind: run.kind,
            metadata: { name: run.name, namespace, labels: { ...run.labels } },
            spec: run.spec,
          },
        });
        return 'created';
      } catch (error) {
        if (statusOf(error) === 409) return 'exists';
        throw failure(`create ${run.kind} ${namespace}/${run.name}`, error);
      }
    },
    async patchPolicyStatus(namespace, name, status) {
      const ref = RESOURCES.backupPolicies;
      try {
        await custom.patchNamespacedCustomObjectStatus(
          { group: ref.group, version: ref.version, namespace, plural: ref.plural, name, body: { status } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (error) {
        throw failure(`patch status of BackupPolicy ${namespace}/${name}`, error);
      }
    },
    async deleteBackup(namespace, name) {
      const ref = RESOURCES.backups;
      try {
        await custom.deleteNamespacedCustomObject({
          group: ref.group,
          version: ref.version,
          namespace,
          plural: ref.plural,
          name,
        });
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw failure(`delete Backup ${namespace}/${name}`, error);
      }
    },
  };
}
