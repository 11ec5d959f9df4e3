/**
 * The applications of a namespace as a policy sees them (pure): database workloads
 * (recognised by annotation or image, as discovery does) grouped by application, with
 * their labels and annotations. Built from the StatefulSets and Deployments alone, so the
 * reconciler reads them from the informer cache without a request; endpoints and
 * credentials are the Backup's business (a protected workload nothing reaches makes its
 * Backup fail loudly instead of being silently unprotected).
 */
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { classifyWorkload, type DiscoveredApplication } from '../../kube/index.ts';
import type { CandidateApplication, CandidateWorkload } from './protection.ts';

/** Candidates from one namespace's StatefulSets and Deployments, sorted by application. */
export function candidatesFromWorkloads(
  statefulSets: readonly V1StatefulSet[],
  deployments: readonly V1Deployment[],
): CandidateApplication[] {
  const byApp = new Map<string, CandidateWorkload[]>();
  const all: [string, V1StatefulSet | V1Deployment][] = [
    ...statefulSets.map((s): [string, V1StatefulSet] => ['StatefulSet', s]),
    ...deployments.map((d): [string, V1Deployment] => ['Deployment', d]),
  ];
  for (const [kind, w] of all) {
    const c = classifyWorkload(w);
    if (!c.engine) continue;
    const list = byApp.get(c.app) ?? [];
    list.push({
      kind,
      name: w.metadata?.name ?? '',
      labels: w.metadata?.labels ?? {},
      annotations: w.metadata?.annotations ?? {},
    });
    byApp.set(c.app, list);
  }
  return [...byApp.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, workloads]) => ({
      name,
      workloads: workloads.sort((a, b) => a.name.localeCompare(b.name)),
    }));
}

/** Candidates from a discovery result (one namespace's applications). */
export function candidatesOf(applications: readonly DiscoveredApplication[]): CandidateApplication[] {
  return applications.map((a) => ({
    name: a.name,
    workloads: a.workloads.map((w) => ({
      kind: w.recognised.kind,
      name: w.recognised.name,
      labels: w.recognised.labels,
      annotations: w.recognised.annotations,
    })),
  }));
}
