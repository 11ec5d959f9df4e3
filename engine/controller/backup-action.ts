/**
 * Backup CR → one in-process `runBackup` of the application it names, discovered in the
 * Backup's own namespace, into the Repository CR of that namespace. Events go on the
 * Backup and on every target workload; the status gets the backup id, size, write stall
 * and the guarantee each member got.
 */
import { SNAPSHOT_CLASS_ANNOTATION } from '../kube/volume-snapshots/choose-class.ts';
import { toApplication } from '../kube/index.ts';
import { readPvcStorageClasses } from '../kube/storage-classes.ts';
import { parseBackup, type BackupObject } from '../kube/api/v1alpha1/index.ts';
import { runBackup, type EngineSetup } from '../runs/index.ts';
import { ActionFailure } from './action-failure.ts';
import type { ActionKindHandler, ActionOutcome, ActionRun } from './action-reconciler.ts';
import { blueprintSetup } from './blueprint-setup.ts';
import { discoverNamespace } from './discover-namespace.ts';
import type { EventTarget } from './events.ts';
import { RESOURCES } from './resources.ts';
import type { ObjectCache } from './types.ts';
import type { DiscoveredWorkload } from '../kube/index.ts';
import { selectTargets } from './targets.ts';

const workloadTarget = (w: DiscoveredWorkload): EventTarget => ({
  apiVersion: 'apps/v1',
  kind: w.recognised.kind,
  namespace: w.recognised.namespace,
  name: w.recognised.name,
});

/** `blueprints`: the Blueprint CR cache (spec.blueprint names one of this namespace). */
export function backupHandler(blueprints: () => ObjectCache): ActionKindHandler<BackupObject> {
  return {
    kind: 'Backup',
    resource: RESOURCES.backups,
    parse: parseBackup,
    applicationOf: (o) => o.spec.application,
    reportsProgress: true,
    interruptedNote: 'an interrupted backup is never committed to the repository (nothing of it is visible).',
    async run(o: BackupObject, run: ActionRun): Promise<ActionOutcome> {
      const namespace = o.metadata.namespace ?? '';
      const repository = await run.openRepository();
      let setup: EngineSetup = run.setup;
      if (o.spec.blueprint !== undefined)
        setup = blueprintSetup(
          setup,
          blueprints().get({ namespace, name: o.spec.blueprint }),
          namespace,
          o.spec.blueprint,
        );
      const discovery = await discoverNamespace(run.kube, namespace);
      const target = selectTargets(discovery, namespace, o.spec);
      run.setApplication(target.application);
      const names = target.workloads.map((w) => w.workload.name).join(', ');
      for (const w of target.workloads)
        run.event(
          workloadTarget(w),
          'Normal',
          'BackupStarted',
          `Backup ${o.metadata.name} started (application ${target.application})`,
        );
      const discovered = toApplication({
        name: target.application,
        namespace,
        workloads: target.workloads,
      });
      // The Backup's (or its policy's) snapshot class wins over the workloads' annotation.
      const snapshotClass = o.spec.snapshotClass;
      const application = snapshotClass
        ? {
            ...discovered,
            workloads: discovered.workloads.map((w) => ({
              ...w,
              annotations: { ...w.annotations, [SNAPSHOT_CLASS_ANNOTATION]: snapshotClass },
            })),
          }
        : discovered;
      const consistency = o.spec.consistency ?? (target.workloads.length > 1 ? 'app' : 'member');
      let result;
      try {
        result = await runBackup(
          {
            application,
            options: {
              consistency,
              ...(o.spec.strategy && { strategy: o.spec.strategy }),
            },
            cluster: run.cluster,
            // Recorded for restores in other clusters; informational, so a failed read does not fail the backup.
            storageClasses: await readPvcStorageClasses(run.kube, namespace).catch(() => ({})),
            labels: {
              'lifeboat.dev/namespace': namespace,
              'lifeboat.dev/backup': o.metadata.name,
              'lifeboat.dev/cluster': run.cluster,
              ...(o.spec.policy && { 'lifeboat.dev/policy': o.spec.policy }),
            },
          },
          setup,
          repository,
          { signal: run.signal, onEvent: run.onEvent },
        );
      } catch (error) {
        const message = `backup of ${target.application} (${names}) failed: ${(error as Error).message}`;
        for (const w of target.workloads)
          run.event(workloadTarget(w), 'Warning', 'BackupFailed', `Backup ${o.metadata.name}: ${message}`);
        throw new ActionFailure('BackupFailed', message, { cause: error });
      }
      const { manifest, result: runResult } = result;
      const bytes = runResult.members.reduce((n, m) => n + m.bytes, 0);
      const freezeWindowMs = runResult.cut ? Math.round(runResult.cut.fenceWindowMs) : undefined;
      const message = `backup ${manifest.backupId} of ${target.application} committed: ${manifest.members.length} member(s), ${bytes} bytes${freezeWindowMs === undefined ? '' : `, writes held ${freezeWindowMs} ms`}`;
      for (const w of target.workloads)
        run.event(workloadTarget(w), 'Normal', 'BackedUp', `Backup ${o.metadata.name}: ${message}`);
      return {
        result: 'Succeeded',
        reason: 'BackupSucceeded',
        message,
        status: {
          backupId: manifest.backupId,
          cluster: run.cluster,
          bytes,
          ...(freezeWindowMs !== undefined && { freezeWindowMs }),
          members: manifest.members.map((m) => ({
            name: m.name,
            engine: m.engine ?? '',
            strategy: m.details.strategy ?? '',
            ...(m.guarantee !== undefined && { guarantee: m.guarantee }),
          })),
        },
        bytes,
        ...(freezeWindowMs !== undefined && { freezeWindowMs }),
        backupId: manifest.backupId,
        manifest,
        members: manifest.members.map((m) => ({
          name: m.name,
          engine: m.engine ?? '',
          databases: (m.details.databases ?? '').split(',').filter(Boolean),
          bytes: Number(m.details.bytes ?? 0),
          status: 'succeeded',
        })),
      };
    },
  };
}
