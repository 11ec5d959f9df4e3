/**
 * What `lifeboat discover` prints (pure): a report built only from non-secret fields
 * (endpoints without passwords, Secret references, reasons). Passwords are never copied
 * into it, so no output format can leak them.
 */
import { redactUrl } from '../redact.ts';
import type { DiscoveryResult } from './assemble.ts';

export interface WorkloadReport {
  readonly name: string;
  readonly kind: string;
  readonly engine: string;
  readonly why: string;
  readonly primary: string;
  readonly replicas: readonly string[];
  readonly endpointsWhy: readonly string[];
  readonly credentials: string | null;
  readonly secretRef: string | null;
  readonly databases: readonly string[];
  readonly pvcs: readonly string[];
  readonly blueprint: string | null;
  readonly strategy: string | null;
  readonly problems: readonly string[];
}

export interface DiscoveryReport {
  readonly applications: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly groupedBy: string;
    readonly workloads: readonly WorkloadReport[];
  }[];
  readonly skipped: readonly {
    readonly namespace: string;
    readonly kind: string;
    readonly name: string;
    readonly reason: string;
  }[];
}

/** The printable report of a discovery: no secret values. */
export function discoveryReport(result: DiscoveryResult): DiscoveryReport {
  return {
    applications: result.applications.map((app) => ({
      name: app.name,
      namespace: app.namespace,
      groupedBy: app.workloads[0]?.recognised.appWhy ?? '',
      workloads: app.workloads.map((d) => {
        const r = d.recognised;
        const ref = d.workload.credentials.secretRef;
        return {
          name: r.name,
          kind: r.kind,
          engine: r.engine,
          why: r.engineWhy,
          primary: redactUrl(r.primary.url),
          replicas: r.replicas.map((e) => redactUrl(e.url)),
          endpointsWhy: r.endpointsWhy,
          credentials: d.credentialsFrom ?? null,
          secretRef: ref ? `${ref.namespace}/${ref.name}` : null,
          databases: r.databases,
          pvcs: r.pvcs,
          blueprint: r.blueprint ?? null,
          strategy: r.strategy ?? null,
          problems: d.problems,
        };
      }),
    })),
    skipped: result.skipped.map((s) => ({
      namespace: s.namespace,
      kind: s.kind,
      name: s.name,
      reason: s.reason,
    })),
  };
}

/** Human-readable text: applications → workloads with reasons, then what was skipped. */
export function describeDiscovery(report: DiscoveryReport): string {
  const lines: string[] = [];
  const workloads = report.applications.reduce((n, a) => n + a.workloads.length, 0);
  lines.push(`${report.applications.length} application(s), ${workloads} database workload(s)`);
  for (const app of report.applications) {
    lines.push('', `APP ${app.namespace}/${app.name}  (grouped by ${app.groupedBy})`);
    for (const w of app.workloads) {
      lines.push(`  ${w.engine.padEnd(9)} ${w.kind}/${w.name}`);
      lines.push(`    matched:     ${w.why}`);
      lines.push(`    primary:     ${w.primary}`);
      if (w.replicas.length > 0) lines.push(`    replicas:    ${w.replicas.join(', ')}`);
      if (w.endpointsWhy.length > 0) lines.push(`    via:         ${w.endpointsWhy.join('; ')}`);
      lines.push(`    credentials: ${w.credentials ?? 'none found'}`);
      if (w.databases.length > 0) lines.push(`    databases:   ${w.databases.join(', ')}`);
      if (w.pvcs.length > 0) lines.push(`    pvcs:        ${w.pvcs.join(', ')}`);
      if (w.strategy) lines.push(`    strategy:    ${w.strategy}`);
      if (w.blueprint) lines.push(`    blueprint:   ${w.blueprint}`);
      for (const p of w.problems) lines.push(`    WARNING:     ${p}`);
    }
  }
  if (report.skipped.length > 0) {
    lines.push('', `SKIPPED ${report.skipped.length}`);
    for (const s of report.skipped) lines.push(`  ${s.namespace}/${s.kind}/${s.name}: ${s.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
