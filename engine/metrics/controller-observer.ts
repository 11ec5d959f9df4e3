/**
 * The controller's action notifications (`engine/controller/observer.ts`) as metric
 * updates. Kinds map to the `kind` label in lower case; an action that failed before its
 * application was known is labelled with an empty application (one series per namespace,
 * still bounded).
 */
import type { ActionObserver } from '../controller/observer.ts';
import type { ActionKind } from './definitions.ts';
import type { MetricsRecorder } from './recorder.ts';

const KIND = { Backup: 'backup', Restore: 'restore', Drill: 'drill' } as const satisfies Record<
  string,
  ActionKind
>;

export function metricsObserver(recorder: MetricsRecorder): ActionObserver {
  return {
    onActionStarted: (e) => {
      recorder.started(KIND[e.kind], { namespace: e.namespace, application: e.application ?? '' });
    },
    onActionFinished: (e) => {
      const subject = { namespace: e.namespace, application: e.application ?? '' };
      const result = e.result === 'Succeeded' ? 'succeeded' : 'failed';
      switch (e.kind) {
        case 'Backup':
          recorder.finished({
            kind: 'backup',
            ...subject,
            result,
            durationSeconds: e.durationSeconds,
            ...(e.manifest && { manifest: e.manifest }),
          });
          return;
        case 'Restore':
          recorder.finished({ kind: 'restore', ...subject, result, durationSeconds: e.durationSeconds });
          return;
        case 'Drill':
          // A drill that failed before comparing anything did not pass.
          recorder.finished({
            kind: 'drill',
            ...subject,
            passed: e.result === 'Succeeded' && (e.drill?.passed ?? false),
            ...(e.drill && { restoreSeconds: e.drill.recoverySeconds }),
          });
          return;
      }
    },
  };
}
