/**
 * Preview of what an action will run for one workload (`lifeboat blueprint render`):
 * every phase with its args rendered. Outputs of earlier phases are not known before the
 * run, so they render as placeholders such as `<phases.freeze.output.fence>`, and a
 * condition that reads them is shown as text. Secrets are not in the template context;
 * as a belt-and-braces measure the workload's password is masked as `***` anyway.
 */
import type { Application, Workload } from '../model/index.ts';
import { redactSecrets } from '../redact.ts';
import type { FunctionRegistry } from '../functions/types.ts';
import { buildTemplateContext, type BackupInfo, type PhaseRecord, type TemplateOptions } from './context.ts';
import type { ActionName, Blueprint, Phase } from './schema.ts';
import { evaluateCondition, renderValue } from './template/evaluate.ts';

export interface RenderedPhase {
  readonly name: string;
  readonly func: string;
  readonly defer: boolean;
  /** true/false when decidable now; the expression text when it depends on earlier outputs. */
  readonly runs: boolean | string;
  readonly args: unknown;
}

/** Render every phase of `action`; throws TemplateError for an unknown key, like a run would. */
export function renderAction(input: {
  readonly blueprint: Blueprint;
  readonly action: ActionName;
  readonly workload: Workload;
  readonly application?: Application;
  readonly backup: BackupInfo;
  readonly options: TemplateOptions;
  readonly registry?: FunctionRegistry;
}): RenderedPhase[] {
  const action = input.blueprint.spec.actions[input.action];
  if (!action) return [];
  const phases: Record<string, PhaseRecord> = {};
  const all: { phase: Phase; defer: boolean }[] = [
    ...action.phases.map((phase) => ({ phase, defer: false })),
    ...(action.deferPhase ? [{ phase: action.deferPhase, defer: true }] : []),
  ];
  const secrets = input.workload.credentials.password ? [input.workload.credentials.password] : [];
  const rendered: RenderedPhase[] = [];
  for (const { phase, defer } of all) {
    const context = buildTemplateContext({
      workload: input.workload,
      application: input.application ?? { name: input.workload.name, workloads: [input.workload] },
      backup: input.backup,
      options: input.options,
      phases,
    });
    const where = { blueprint: input.blueprint.metadata.name, phase: phase.name, action: input.action };
    let runs: boolean | string;
    if (phase.if === undefined) runs = true;
    else if (typeof phase.if === 'string' && /\bphases\./.test(phase.if)) runs = phase.if;
    else runs = evaluateCondition(phase.if, context, where);
    const args = renderValue(phase.args ?? {}, context, { ...where, field: 'args' });
    rendered.push({
      name: phase.name,
      func: phase.func,
      defer,
      runs,
      args: JSON.parse(redactSecrets(JSON.stringify(args), secrets)) as unknown,
    });
    const outputs = input.registry?.get(phase.func)?.outputs ?? [];
    phases[phase.name] = {
      status: 'succeeded',
      output: Object.fromEntries(outputs.map((key) => [key, `<phases.${phase.name}.output.${key}>`])),
    };
  }
  return rendered;
}
