export { plan, BLUEPRINT_ANNOTATION, type PlanInput, type PlanOptions, type RecordedMember } from './plan.ts';
export { chooseStrategy, STRATEGY_ANNOTATION } from './choose-strategy.ts';
export { describePlan, formatPlan } from './describe-plan.ts';
export { planCut } from './plan-cut.ts';
export type * from './types.ts';
export { GUARANTEE_MEANING } from './types.ts';
