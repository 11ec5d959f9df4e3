/**
 * Kubernetes Events on the objects the controller acts on (the action CR and the target
 * workloads), as `kubectl describe` shows them. core/v1 Events: the same storage as
 * events.k8s.io/v1, and their timestamps need no microsecond format. Recording never
 * throws: an Event that cannot be written is logged and dropped.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   @kubernetes/client-node models are plain data classes; literals are what its docs use. */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from './logger.ts';

/** The object an Event is about. */
export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

export interface EventRecorder {
  /**
   * Record an Event. `reason` is CamelCase (`BackupStarted`); `message` is human-readable
   * and must already be free of secrets.
   */
  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/** Events reported as `lifeboat-controller` from instance `identity`. */
export function kubeEventRecorder(kc: KubeConfig, identity: string, log: Logger): EventRecorder {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async record(target, type, reason, message) {
      const now = new Date();
      try {
        await core.createNamespacedEvent({
          namespace: target.namespace,
          body: {
            metadata: { generateName: `${target.name}.`, namespace: target.namespace },
            involvedObject: {
              apiVersion: target.apiVersion,
              kind: target.kind,
              namespace: target.namespace,
              name: target.name,
              ...(target.uid ? { uid: target.uid } : {}),
            },
            type,
            reason,
            // The API server caps messages at 1 KiB in practice; keep the start, it says what failed.
            message: message.length > 1000 ? `${message.slice(0, 997)}...` : message,
            source: { component: 'lifeboat-controller' },
            reportingComponent: 'lifeboat.dev/controller',
            reportingInstance: identity.slice(0, 128),
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      } catch (error) {
        log.warn('cannot record event', {
          target: `${target.kind} ${target.namespace}/${target.name}`,
          reason,
          error: (error as Error).message,
        });
      }
    },
  };
}
