import { BlueprintError } from '../errors.ts';

/**
 * Thrown by the loaders when a blueprint does not validate: carries every problem in
 * `errors`; its own position is the first one, and its message lists them all, one per
 * line in `file:line:col  path  message` form.
 */
export class InvalidBlueprintError extends BlueprintError {
  readonly errors: readonly BlueprintError[];

  constructor(errors: readonly BlueprintError[]) {
    const first = errors[0];
    super(
      `${errors.length} problem(s):\n${errors.map((e) => e.format()).join('\n')}`,
      {
        ...(first?.file !== undefined && { file: first.file }),
        ...(first?.line !== undefined && { line: first.line }),
        ...(first?.column !== undefined && { column: first.column }),
        path: first?.path ?? '',
      },
      first?.blueprint === undefined ? {} : { blueprint: first.blueprint },
    );
    this.errors = errors;
  }
}
