import { formatDuration } from '../blueprint/duration.ts';
import { redactUrl } from '../redact.ts';
import type { Plan } from './types.ts';

/** A secret-free, JSON-ready view of a plan (for `--dry-run -o json` and logs). */
export function describePlan(plan: Plan) {
  return {
    action: plan.action,
    application: plan.application.name,
    backup: plan.backup,
    consistency: plan.consistency,
    concurrency: plan.concurrency,
    ...(plan.cut && {
      cut: plan.cut.members.map((c) => ({
        member: c.name,
        fence: c.fence,
        capture: c.capture,
        guarantee: c.guarantee,
      })),
    }),
    groups: plan.groups.map((g) => ({ name: g.name, members: [...g.members] })),
    members: plan.members.map((m) => ({
      name: m.workload.name,
      engine: m.workload.engine,
      // Endpoint URLs carry no passwords by contract; redact anyway, and omit credentials.
      primary: redactUrl(m.workload.primary.url),
      replicas: m.workload.replicas.map((r) => redactUrl(r.url)),
      strategy: m.strategy,
      strategySource: m.decision.source,
      why: m.decision.reason,
      blueprint: m.blueprint.name,
      group: m.group,
      ...(m.guarantee !== undefined && { guarantee: m.guarantee }),
      phases: [...m.steps, ...(m.defer ? [m.defer] : [])].map((s) => ({
        name: s.name,
        func: s.func,
        defer: s === m.defer,
        ...(s.if !== undefined && { if: s.if }),
        ...(s.timeoutMs !== undefined && { timeout: formatDuration(s.timeoutMs) }),
        retries: s.retries,
      })),
    })),
  };
}

/** The plan as people read it in a terminal. */
export function formatPlan(plan: Plan): string {
  const lines = [`${plan.action} of application "${plan.application.name}" (backup ${plan.backup.id})`];
  lines.push(`consistency: ${plan.consistency}; up to ${plan.concurrency} member(s) at once`);
  if (plan.cut) {
    const order = plan.cut.members.map(
      (c) =>
        `${c.name} (${c.fence ? 'fence+' : ''}${c.capture === 'pin' ? 'pin' : 'read in the fence window'}): ${c.guarantee}`,
    );
    lines.push(`cut, in order: ${order.join(' → ')}`);
  }
  for (const member of describePlan(plan).members) {
    lines.push('');
    lines.push(`${member.name} (${member.engine}) ${member.primary}`);
    lines.push(`  strategy: ${member.strategy} — ${member.why}`);
    lines.push(`  blueprint: ${member.blueprint}, group: ${member.group}`);
    member.phases.forEach((p, i) => {
      const extra = [
        p.if !== undefined ? `if ${String(p.if)}` : '',
        p.timeout ? `timeout ${p.timeout}` : '',
        p.retries ? `retries ${p.retries}` : '',
      ].filter(Boolean);
      const label = p.defer ? '  defer' : `  ${i + 1}.`;
      lines.push(`${label} ${p.name}: ${p.func}${extra.length ? ` (${extra.join(', ')})` : ''}`);
    });
  }
  return lines.join('\n');
}
