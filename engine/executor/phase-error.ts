import { describeContext, LifeboatError, type ErrorContext } from '../errors.ts';

/**
 * A phase failed: `phase "dump" of action "backup" (shop/orders): <cause message>`. The
 * original error stays as `cause` (with its own type: AdapterError, ProcessError, …).
 */
export class PhaseError extends LifeboatError {
  readonly func: string;
  readonly attempts: number;

  constructor(cause: unknown, context: ErrorContext & { phase: string; func: string; attempts: number }) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`${describeContext(context)}: ${message}`, { ...context, cause, retryable: false });
    this.func = context.func;
    this.attempts = context.attempts;
  }
}
