import { CancelledError, LifeboatError } from '../errors.ts';
import type { RunResult } from '../executor/index.ts';

/** One error for a run that did not succeed, listing every failed member's reason. */
export function runFailure(verb: string, result: RunResult): LifeboatError {
  const failed = result.members.filter((m) => m.status !== 'succeeded');
  const reasons = failed.map((m) => `${m.member}: ${m.error?.message ?? m.status}`);
  if (result.cut?.status === 'failed' && result.cut.error)
    reasons.unshift(`cut: ${result.cut.error.message}`);
  const message = `${verb} ${result.status}: ${reasons.join('; ') || 'no member succeeded'}`;
  const first = failed[0]?.error ?? result.cut?.error;
  return result.status === 'cancelled'
    ? new CancelledError(message, { cause: first })
    : new LifeboatError(message, { cause: first });
}
