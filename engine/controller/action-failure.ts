/**
 * Why an action failed, as its Failed condition says it: a CamelCase `reason`
 * (`RepositoryNotFound`, `TargetNotFound`, `BackupFailed`, …) and a message free of secrets.
 */
import { LifeboatError, type ErrorContext } from '../errors.ts';

export class ActionFailure extends LifeboatError {
  readonly reason: string;
  constructor(reason: string, message: string, context: ErrorContext = {}) {
    super(message, context);
    this.reason = reason;
  }
}
