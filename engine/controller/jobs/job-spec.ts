/**
 * The `batch/v1` Job that runs one action (Backup, Restore or Drill) when the controller
 * runs with `--execution job` (pure). The Job runs the controller's own image with
 * `lifeboat run-action --kind K --name N --namespace NS`, which executes that one action
 * through the same reconciler code as the controller. It lives in the action's namespace
 * (owner references cannot cross namespaces), is owned by the action CR (deleted with
 * it), never retries (`backoffLimit: 0`: an action is not run twice; the CR records the
 * failure), and runs as non-root with a read-only root filesystem.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { createHash } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import { API_VERSION } from '../../kube/api/v1alpha1/index.ts';

export type ActionKind = 'Backup' | 'Restore' | 'Drill';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'lifeboat-controller';
export const ACTION_KIND_LABEL = 'lifeboat.dev/action-kind';
export const ACTION_NAME_LABEL = 'lifeboat.dev/action-name';
export const ACTION_UID_LABEL = 'lifeboat.dev/action-uid';

/** Selects the Jobs the controller made (for listing and cleanup). */
export const ACTION_JOB_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

export interface ActionJobOptions {
  /** The controller's image (the Job runs the same code). */
  readonly image: string;
  /** @default `IfNotPresent` */
  readonly imagePullPolicy?: string;
  /** The program in the image. @default ['lifeboat'] */
  readonly command?: readonly string[];
  /**
   * ServiceAccount in the action's namespace that may read the action, its Repository and
   * the referenced Secrets and update the action's status. @default `lifeboat-runner`
   */
  readonly serviceAccountName?: string;
  /** Finished Jobs are removed after this long (by the TTL controller or our cleanup). @default 3600 */
  readonly ttlSecondsAfterFinished?: number;
  /** Hard limit on the action's run time. @default none */
  readonly activeDeadlineSeconds?: number;
  /** Cluster identity, passed on so the Job records the same `cluster` as the controller. */
  readonly clusterName?: string;
  /** @default requests 100m CPU / 256Mi memory, limit 2Gi memory */
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string>>;
    readonly limits?: Readonly<Record<string, string>>;
  };
  /** UID/GID the container runs as (non-root). @default 65532 */
  readonly runAsUser?: number;
}

export interface ActionRef {
  readonly kind: ActionKind;
  readonly namespace: string;
  readonly name: string;
  /** The CR's uid: the owner reference needs it. */
  readonly uid: string;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * `lifeboat-<kind>-<name>`, kept to 63 characters (the Job controller puts the Job's name
 * in a pod label): longer names are shortened and suffixed with a hash of the full one.
 */
export function actionJobName(kind: ActionKind, name: string): string {
  const full = `lifeboat-${kind.toLowerCase()}-${name}`;
  if (full.length <= 63) return full;
  return `${full.slice(0, 63 - 9).replace(/[-.]+$/, '')}-${shortHash(full)}`;
}

/** A label value for an object name (names may be 253 characters, label values 63). */
function nameLabel(name: string): string {
  return name.length <= 63 ? name : `${name.slice(0, 54).replace(/[-.]+$/, '')}-${shortHash(name)}`;
}

/** The Job that runs `action`. */
export function buildActionJob(action: ActionRef, options: ActionJobOptions): V1Job {
  const labels = {
    'app.kubernetes.io/name': 'lifeboat',
    'app.kubernetes.io/component': 'action-runner',
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [ACTION_KIND_LABEL]: action.kind,
    [ACTION_NAME_LABEL]: nameLabel(action.name),
    [ACTION_UID_LABEL]: action.uid,
  };
  const uid = options.runAsUser ?? 65532;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: actionJobName(action.kind, action.name),
      namespace: action.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: action.kind,
          name: action.name,
          uid: action.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? 3600,
      ...(options.activeDeadlineSeconds === undefined
        ? {}
        : { activeDeadlineSeconds: options.activeDeadlineSeconds }),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: options.serviceAccountName ?? 'lifeboat-runner',
          automountServiceAccountToken: true,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: uid,
            runAsGroup: uid,
            fsGroup: uid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'run-action',
              image: options.image,
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              command: [...(options.command ?? ['lifeboat'])],
              args: [
                'run-action',
                '--kind',
                action.kind,
                '--name',
                action.name,
                '--namespace',
                action.namespace,
              ],
              env: [
                ...(options.clusterName ? [{ name: 'LIFEBOAT_CLUSTER', value: options.clusterName }] : []),
                // Spools and temporary files go to the writable emptyDir, not the read-only root.
                { name: 'TMPDIR', value: '/tmp' },
              ],
              resources: {
                requests: { cpu: '100m', memory: '256Mi', ...options.resources?.requests },
                limits: { memory: '2Gi', ...options.resources?.limits },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}
