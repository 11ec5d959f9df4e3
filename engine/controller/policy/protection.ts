/**
 * Which discovered applications a BackupPolicy protects (pure). A workload is protected
 * by policy P when:
 * - it is annotated `lifeboat.dev/protect: P` — the workload's own annotation decides
 *   alone: annotated for another policy, it belongs to that one only;
 * - otherwise its namespace is annotated `lifeboat.dev/protect: P`, or P's selector
 *   matches the workload's labels (several policies may select one workload, e.g. an
 *   hourly and a monthly one).
 * Removing the annotation removes the protection: nothing here remembers the past.
 */
import { selectorMatches, type LabelSelector } from './label-selector.ts';

/** The annotation that puts a workload or a whole namespace under a policy (same namespace). */
export const PROTECT_ANNOTATION = 'lifeboat.dev/protect';

export interface CandidateWorkload {
  readonly kind: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface CandidateApplication {
  readonly name: string;
  readonly workloads: readonly CandidateWorkload[];
}

export interface ProtectedApplication {
  readonly application: string;
  /** Protected workload names, sorted. */
  readonly workloads: readonly string[];
  /** Every workload of the application is protected (a Backup then names no workloads). */
  readonly whole: boolean;
  /** Why, one line per workload, e.g. `StatefulSet orders-db: namespace annotation`. */
  readonly reasons: readonly string[];
}

export interface PolicyScope {
  readonly name: string;
  /** Absent: only annotations protect. Empty (`{}`): every workload of the namespace. */
  readonly selector?: LabelSelector | undefined;
}

function annotationOf(annotations: Readonly<Record<string, string>>): string | undefined {
  const value = annotations[PROTECT_ANNOTATION]?.trim();
  return value ? value : undefined;
}

/** Why `workload` is protected by `policy`, or undefined when it is not. */
export function protectionReason(
  policy: PolicyScope,
  namespaceAnnotations: Readonly<Record<string, string>>,
  workload: CandidateWorkload,
): string | undefined {
  const own = annotationOf(workload.annotations);
  if (own !== undefined) return own === policy.name ? `annotation ${PROTECT_ANNOTATION}` : undefined;
  if (annotationOf(namespaceAnnotations) === policy.name) return `namespace annotation ${PROTECT_ANNOTATION}`;
  if (policy.selector && selectorMatches(policy.selector, workload.labels)) return 'selector';
  return undefined;
}

/** The applications `policy` protects, sorted by name, each with its protected workloads. */
export function protectedApplications(
  policy: PolicyScope,
  namespaceAnnotations: Readonly<Record<string, string>>,
  applications: readonly CandidateApplication[],
): ProtectedApplication[] {
  const result: ProtectedApplication[] = [];
  for (const app of applications) {
    const hits = app.workloads
      .map((w) => ({ w, why: protectionReason(policy, namespaceAnnotations, w) }))
      .filter((h): h is { w: CandidateWorkload; why: string } => h.why !== undefined)
      .sort((a, b) => a.w.name.localeCompare(b.w.name));
    if (hits.length === 0) continue;
    result.push({
      application: app.name,
      workloads: hits.map((h) => h.w.name),
      whole: hits.length === app.workloads.length,
      reasons: hits.map((h) => `${h.w.kind} ${h.w.name}: ${h.why}`),
    });
  }
  return result.sort((a, b) => a.application.localeCompare(b.application));
}
