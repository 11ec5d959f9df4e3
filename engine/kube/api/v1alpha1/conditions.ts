/** Status conditions, kept the way Kubernetes API conventions ask. Pure. */
import type { Condition, ConditionType } from './common.ts';

/** A condition to set; `lastTransitionTime` is decided by {@link conditionsWith}. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

/**
 * `existing` with `condition` set (replacing the one of the same type, others kept in
 * order). `lastTransitionTime` stays as it was when `status` did not change, so it says
 * when the state last flipped, not when it was last observed; otherwise it becomes `now`
 * (RFC 3339, second precision like the API server's own timestamps). Never mutates.
 */
export function conditionsWith(
  existing: readonly Condition[] | undefined,
  condition: ConditionUpdate,
  now: Date,
): Condition[] {
  const list = existing ?? [];
  const previous = list.find((c) => c.type === condition.type);
  const lastTransitionTime =
    previous && previous.status === condition.status ? previous.lastTransitionTime : rfc3339(now);
  const next: Condition = { ...withoutUndefined(condition), lastTransitionTime };
  return previous ? list.map((c) => (c === previous ? next : c)) : [...list, next];
}

/** The condition of `type`, if set. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` has status `True`. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: ConditionType): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** `2026-11-25T15:20:41Z`: RFC 3339 at second precision. */
export function rfc3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// An explicit `observedGeneration: undefined` would be sent as null in a status patch.
function withoutUndefined(update: ConditionUpdate): ConditionUpdate {
  const { observedGeneration, ...rest } = update;
  return observedGeneration === undefined ? rest : { ...rest, observedGeneration };
}
