/**
 * Which discovered workloads a Backup means (pure): the application it names in its
 * namespace (default: every database workload of the namespace as one application),
 * narrowed to `workloads` when given. Workloads with unresolved problems (no endpoint,
 * missing credentials) fail the selection with those problems, not later mid-backup.
 */
import type { DiscoveredApplication, DiscoveredWorkload, DiscoveryResult } from '../kube/index.ts';
import { ActionFailure } from './action-failure.ts';

export interface SelectedTarget {
  readonly application: string;
  readonly namespace: string;
  readonly workloads: readonly DiscoveredWorkload[];
}

export function selectTargets(
  discovery: DiscoveryResult,
  namespace: string,
  wanted: { readonly application?: string | undefined; readonly workloads?: readonly string[] | undefined },
): SelectedTarget {
  const apps = discovery.applications.filter((a) => a.namespace === namespace);
  const skipped = discovery.skipped.filter((s) => s.namespace === namespace);
  const skippedNote =
    skipped.length > 0
      ? ` (skipped: ${skipped
          .slice(0, 5)
          .map((s) => `${s.name}: ${s.reason}`)
          .join('; ')})`
      : '';
  if (apps.length === 0)
    throw new ActionFailure(
      'TargetNotFound',
      `no database workload found in namespace ${namespace}${skippedNote}`,
    );
  let name: string;
  let workloads: DiscoveredWorkload[];
  if (wanted.application !== undefined) {
    const app: DiscoveredApplication | undefined = apps.find((a) => a.name === wanted.application);
    if (!app)
      throw new ActionFailure(
        'TargetNotFound',
        `application "${wanted.application}" not found in namespace ${namespace}; found: ${apps.map((a) => a.name).join(', ')}`,
      );
    name = app.name;
    workloads = [...app.workloads];
  } else {
    name = apps.length === 1 ? (apps[0]?.name ?? namespace) : namespace;
    workloads = apps.flatMap((a) => a.workloads);
  }
  if (wanted.workloads && wanted.workloads.length > 0) {
    const names = workloads.map((w) => w.workload.name);
    const unknown = wanted.workloads.filter((w) => !names.includes(w));
    if (unknown.length > 0)
      throw new ActionFailure(
        'TargetNotFound',
        `workload(s) ${unknown.join(', ')} not found in application "${name}" of namespace ${namespace}; it has: ${names.join(', ')}`,
      );
    workloads = workloads.filter((w) => wanted.workloads?.includes(w.workload.name));
  }
  const problems = workloads.flatMap((w) => w.problems.map((p) => `${w.workload.name}: ${p}`));
  if (problems.length > 0) throw new ActionFailure('TargetNotReady', problems.join('; '));
  return { application: name, namespace, workloads };
}
