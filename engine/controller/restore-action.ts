/**
 * Restore CR → one in-process `runRestore` of a backup of the namespace's Repository into
 * the workloads discovered in the target namespace (each member into the workload of its
 * recorded owner or name, after namespace/storage-class mapping: `engine/runs/restore-mapping.ts`;
 * the backup may come from another cluster), verified against the capture fingerprints. Non-empty target databases are
 * refused unless `spec.force`. The target namespace must be the Restore's own: a Restore
 * can never write into another namespace through the controller's rights.
 */
import type { DiscoveredWorkload } from '../kube/index.ts';
import { parseRestore, type RestoreObject } from '../kube/api/v1alpha1/index.ts';
import { runRestore } from '../runs/index.ts';
import { mapRestoreTargets, memberTargetNamespaces, restoreRequestFor } from '../runs/restore-mapping.ts';
import { ActionFailure } from './action-failure.ts';
import type { ActionKindHandler, ActionOutcome, ActionRun } from './action-reconciler.ts';
import { discoverNamespace } from './discover-namespace.ts';
import type { EventTarget } from './events.ts';
import { RESOURCES } from './resources.ts';

const workloadTarget = (w: DiscoveredWorkload): EventTarget => ({
  apiVersion: 'apps/v1',
  kind: w.recognised.kind,
  namespace: w.recognised.namespace,
  name: w.recognised.name,
});

/** The server URL (no database, no password) and user of a discovered workload. */
export function serverUrlOf(w: DiscoveredWorkload): string {
  const url = new URL(w.workload.primary.url);
  url.pathname = '/';
  url.password = '';
  const user = w.workload.credentials.username;
  if (user !== undefined) url.username = encodeURIComponent(user);
  return url.toString();
}

/** Discovered workloads of `namespace` by name. @throws ActionFailure */
export async function workloadsByName(
  run: ActionRun,
  namespace: string,
): Promise<Map<string, DiscoveredWorkload>> {
  const discovery = await discoverNamespace(run.kube, namespace);
  return new Map(
    discovery.applications.flatMap((a) => a.workloads.map((w) => [w.workload.name, w] as const)),
  );
}

export function restoreHandler(): ActionKindHandler<RestoreObject> {
  return {
    kind: 'Restore',
    resource: RESOURCES.restores,
    parse: parseRestore,
    applicationOf: () => undefined,
    reportsProgress: false,
    interruptedNote:
      'an interrupted restore may have left target databases partly loaded; check them (or restore again with force).',
    async run(o: RestoreObject, run: ActionRun): Promise<ActionOutcome> {
      const namespace = o.metadata.namespace ?? '';
      const targetNamespace = o.spec.targetNamespace ?? namespace;
      if (targetNamespace !== namespace)
        throw new ActionFailure(
          'CrossNamespaceRefused',
          `a Restore in namespace ${namespace} cannot write into namespace ${targetNamespace}; create the Restore in ${targetNamespace} (with a Repository there)`,
        );
      const repository = await run.openRepository();
      let manifest;
      try {
        manifest = await repository.readManifest(o.spec.backupId);
      } catch (error) {
        throw new ActionFailure('BackupNotFound', (error as Error).message, { cause: error });
      }
      run.setApplication(manifest.app);
      const recordedCluster = (manifest as { cluster?: string }).cluster;
      if (
        o.spec.sourceCluster !== undefined &&
        recordedCluster !== undefined &&
        recordedCluster !== o.spec.sourceCluster
      )
        throw new ActionFailure(
          'SourceClusterMismatch',
          `backup ${manifest.backupId} was taken in cluster ${recordedCluster}, not ${o.spec.sourceCluster}`,
        );
      // Which workload of this namespace receives each member (namespace, owner and
      // storage-class mapping: the backup may come from another namespace or cluster).
      const spec = {
        targetNamespace,
        ...(o.spec.namespaceMapping && { namespaceMapping: o.spec.namespaceMapping }),
        ...(o.spec.storageClassMapping && { storageClassMapping: o.spec.storageClassMapping }),
        ...(o.spec.databaseMapping && { databaseMapping: o.spec.databaseMapping }),
        ...(o.spec.members && { members: o.spec.members }),
      };
      const elsewhere = Object.entries(memberTargetNamespaces(manifest, spec)).filter(
        ([, ns]) => ns !== namespace,
      );
      if (elsewhere.length > 0)
        throw new ActionFailure(
          'CrossNamespaceRefused',
          `namespaceMapping sends ${elsewhere.map(([member, ns]) => `${member} to namespace ${ns}`).join(', ')}; a Restore in namespace ${namespace} can only write into ${namespace}`,
        );
      const discovered = await workloadsByName(run, targetNamespace);
      const mapped = mapRestoreTargets(
        manifest,
        spec,
        [...discovered.values()].map((w) => w.workload),
      );
      if (mapped.problems.length > 0) throw new ActionFailure('TargetNotFound', mapped.problems.join('; '));
      const members = manifest.members.filter((m) => mapped.members.some((x) => x.member === m.name));
      const targets = mapped.members.map((m) => discovered.get(m.workload.name) as DiscoveredWorkload);
      const problems = targets.flatMap((w) => w.problems.map((p) => `${w.workload.name}: ${p}`));
      if (problems.length > 0) throw new ActionFailure('TargetNotReady', problems.join('; '));
      for (const w of targets)
        run.event(
          workloadTarget(w),
          'Normal',
          'RestoreStarted',
          `Restore ${o.metadata.name} of backup ${manifest.backupId} started`,
        );
      let outcome;
      try {
        outcome = await runRestore(
          restoreRequestFor(manifest, mapped, { force: o.spec.force ?? false, verify: true, parallelism: 2 }),
          run.setup,
          repository,
          { signal: run.signal, onEvent: run.onEvent },
        );
      } catch (error) {
        const message = `restore of backup ${manifest.backupId} failed: ${(error as Error).message}`;
        for (const w of targets)
          run.event(workloadTarget(w), 'Warning', 'RestoreFailed', `Restore ${o.metadata.name}: ${message}`);
        throw new ActionFailure('RestoreFailed', message, { cause: error });
      }
      const restored = members.map((m) => ({
        member: m.name,
        databases: (m.details.databases ?? '')
          .split(',')
          .filter(Boolean)
          .map((db) => outcome.rename[db] ?? db),
      }));
      const bytes = outcome.restore.members.reduce((n, m) => n + m.bytes, 0);
      const classes = mapped.members
        .flatMap((m) => m.pvcs)
        .filter((p) => p.storageClass !== p.sourceStorageClass)
        .map((p) => `${p.target}: ${p.sourceStorageClass ?? '-'} → ${p.storageClass ?? '-'}`);
      const message = `restored ${restored.map((r) => `${r.member} (${r.databases.join(', ')})`).join('; ')} from backup ${manifest.backupId}${manifest.cluster === undefined || manifest.cluster === run.cluster ? '' : ` (taken in cluster ${manifest.cluster})`} and verified them against the capture fingerprints${classes.length > 0 ? `; storage classes mapped: ${classes.join(', ')}` : ''}`;
      for (const w of targets)
        run.event(workloadTarget(w), 'Normal', 'Restored', `Restore ${o.metadata.name}: ${message}`);
      return {
        result: 'Succeeded',
        reason: 'RestoreSucceeded',
        message,
        status: { restored, verified: outcome.verify?.status === 'succeeded' },
        bytes,
        backupId: manifest.backupId,
        members: outcome.restore.members.map((m) => ({
          name: m.member,
          engine: m.engine,
          databases: restored.find((r) => r.member === m.member)?.databases ?? [],
          bytes: m.bytes,
          status: m.status,
        })),
      };
    },
  };
}
