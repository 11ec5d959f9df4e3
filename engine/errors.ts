/**
 * Lifeboat's error hierarchy. Every error says what failed and where (workload, app,
 * phase, blueprint) and keeps the original as `cause`. Messages never contain secrets:
 * build them from redacted values only (see `redactUrl`).
 */
export interface ErrorContext {
  readonly workload?: string;
  readonly app?: string;
  readonly phase?: string;
  readonly action?: string;
  readonly blueprint?: string;
  /** True when repeating the same operation may succeed (network blip, lock timeout). */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class LifeboatError extends Error {
  readonly workload: string | undefined;
  readonly app: string | undefined;
  readonly phase: string | undefined;
  readonly action: string | undefined;
  readonly blueprint: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.workload = context.workload;
    this.app = context.app;
    this.phase = context.phase;
    this.action = context.action;
    this.blueprint = context.blueprint;
    this.retryable = context.retryable ?? false;
  }
}

/** A usage error: bad flags or arguments. The CLI exits with status 2. */
export class UsageError extends LifeboatError {}

/** A blueprint that does not validate; carries the position in its source file. */
export class BlueprintError extends LifeboatError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly path: string;

  constructor(
    message: string,
    where: { file?: string; line?: number; column?: number; path?: string },
    context: ErrorContext = {},
  ) {
    super(message, context);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.path = where.path ?? '';
  }

  /** `file:line:col  path  message`, as compilers print it. */
  format(): string {
    const pos = [this.file ?? '<input>', this.line ?? 0, this.column ?? 0].join(':');
    return `${pos}  ${this.path || '.'}  ${this.message}`;
  }
}

/** A template expression that cannot be rendered: names the key and where it was used. */
export class TemplateError extends LifeboatError {
  readonly key: string;
  readonly expression: string;

  constructor(message: string, key: string, expression: string, context: ErrorContext = {}) {
    super(message, context);
    this.key = key;
    this.expression = expression;
  }
}

/** A database refused or failed an operation; `engine` names which adapter. */
export class AdapterError extends LifeboatError {
  readonly engine: string;
  readonly serverMessage: string | undefined;

  constructor(engine: string, message: string, context: ErrorContext & { serverMessage?: string } = {}) {
    super(message, context);
    this.engine = engine;
    this.serverMessage = context.serverMessage;
  }
}

/** A child process failed. `command` is printable: it never holds a secret. */
export class ProcessError extends LifeboatError {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderrTail: string;

  constructor(command: string, exitCode: number | undefined, stderrTail: string, context: ErrorContext = {}) {
    const status = exitCode === undefined ? 'was killed' : `exited ${exitCode}`;
    const tail = stderrTail.trim();
    super(`${command} ${status}${tail ? `: ${tail}` : ''}`, context);
    this.command = command;
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

/** The backup repository is unreachable, corrupt, locked, or refused an operation. */
export class RepositoryError extends LifeboatError {
  readonly backupId: string | undefined;
  readonly artifact: string | undefined;
  readonly chunk: string | undefined;

  constructor(
    message: string,
    where: { backupId?: string; artifact?: string; chunk?: string } = {},
    context: ErrorContext = {},
  ) {
    super(message, context);
    this.backupId = where.backupId;
    this.artifact = where.artifact;
    this.chunk = where.chunk;
  }
}

/** Thrown when an operation is cancelled through its AbortSignal. */
export class CancelledError extends LifeboatError {}

/** Prefix a message with where it happened: `phase "dump" of action "backup" (pg/orders)`. */
export function describeContext(context: ErrorContext): string {
  const parts: string[] = [];
  if (context.phase) parts.push(`phase "${context.phase}"`);
  if (context.action) parts.push(`of action "${context.action}"`);
  const who = [context.app, context.workload].filter(Boolean).join('/');
  if (who) parts.push(`(${who})`);
  return parts.join(' ');
}
