import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { z } from 'zod';
import { CancelledError, ProcessError, UsageError } from '../errors.ts';
import { redactSecrets } from '../redact.ts';
import type { Workload } from '../model/index.ts';
import { defineFunction } from './define-function.ts';

const TAIL_BYTES = 4096;

/** A shell-like rendering of argv for messages; secrets are redacted by the caller. */
export function printableCommand(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

/** Keeps the last `limit` bytes written to it, for error messages. */
class Tail {
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= this.#limit && this.#chunks.length > 1) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
    }
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.#limit)).toString('utf8');
  }
}

/** The arguments of every function that starts a local process (`exec`, `waitFor`). */
export const processArgs = {
  command: z.array(z.string()).min(1).describe('argv: program and arguments'),
  env: z.record(z.string(), z.string()).default({}).describe('extra environment variables (no secrets here)'),
  credentialsEnv: z
    .record(z.string(), z.enum(['username', 'password']))
    .default({})
    .describe("environment variables to fill from the workload's credentials, e.g. { PGPASSWORD: password }"),
};

/** Where a command's stdin comes from and its stdout goes (`exec`, `kubeExec`). */
export const streamArgs = {
  stdoutTo: z.string().optional().describe('store stdout as this artifact of the member'),
  stdinFrom: z.string().optional().describe('feed this artifact of the member to stdin'),
  stdin: z
    .string()
    .optional()
    .describe('text to write to stdin, e.g. several commands for a CLI (not with stdinFrom)'),
};

/**
 * The environment `env` and `credentialsEnv` give a command, and the secrets to redact
 * from anything printed about it (the workload's password always is).
 */
export function commandEnvironment(
  args: {
    env: Readonly<Record<string, string>>;
    credentialsEnv: Readonly<Record<string, 'username' | 'password'>>;
  },
  credentials: Workload['credentials'],
): { env: Record<string, string>; secrets: string[] } {
  const secrets: string[] = [];
  const env: Record<string, string> = { ...args.env };
  for (const [name, field] of Object.entries(args.credentialsEnv)) {
    const value = credentials[field];
    if (value !== undefined) {
      env[name] = value;
      if (field === 'password') secrets.push(value);
    }
  }
  if (credentials.password) secrets.push(credentials.password);
  return { env, secrets };
}

/**
 * Run a local process. argv is an array (no shell), so template values cannot inject
 * commands. Credentials reach the process only through `credentialsEnv` (environment),
 * never argv; they are also redacted from any error text.
 */
export const execFunction = defineFunction({
  name: 'exec',
  description:
    'Run a local process (argv array, no shell). Optionally stream its stdout into an artifact or feed an artifact to its stdin.',
  args: z.strictObject({
    ...processArgs,
    cwd: z.string().optional(),
    ...streamArgs,
  }),
  outputs: ['exitCode', 'stdout', 'bytes'],
  async exec(args, ctx) {
    if (args.stdin !== undefined && args.stdinFrom !== undefined)
      throw new UsageError('exec: give stdin or stdinFrom, not both', { phase: ctx.where.phase });
    const [file, ...rest] = args.command;
    const { env, secrets } = commandEnvironment(args, ctx.workload.credentials);
    const command = redactSecrets(printableCommand(args.command), secrets);

    // Open artifacts before starting the process, so a missing repository cannot orphan it.
    const source = args.stdinFrom === undefined ? undefined : await ctx.artifacts.source();
    const sink = args.stdoutTo === undefined ? undefined : await ctx.artifacts.sink();

    const child = execa(file ?? '', rest, {
      env,
      ...(args.cwd !== undefined && { cwd: args.cwd }),
      cancelSignal: ctx.signal,
      forceKillAfterDelay: 5000,
      reject: false,
      buffer: false,
      stdin: args.stdinFrom === undefined && args.stdin === undefined ? 'ignore' : 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const stderr = new Tail(TAIL_BYTES);
    const stdoutTail = new Tail(64 * 1024);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
    });
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        ctx.progress.bytes(chunk.length);
        callback(null, chunk);
      },
    });

    const io: Promise<unknown>[] = [];
    if (args.stdin !== undefined && child.stdin) {
      // A program that exits without reading all of it must not fail the write (EPIPE).
      io.push(pipeline(Readable.from([Buffer.from(args.stdin)]), child.stdin).catch(() => undefined));
    }
    if (args.stdinFrom !== undefined) {
      const input: Readable = (source ?? (await ctx.artifacts.source())).open(args.stdinFrom);
      const stdin = child.stdin;
      if (stdin) io.push(pipeline(input, count, stdin));
    }
    if (args.stdoutTo !== undefined) {
      const out = args.stdinFrom === undefined ? child.stdout.pipe(count) : child.stdout;
      io.push((sink ?? (await ctx.artifacts.sink())).put(args.stdoutTo, out));
    } else {
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutTail.push(chunk);
      });
    }
    const [result, ioResult] = await Promise.all([child, Promise.allSettled(io)]);
    if (ctx.signal.aborted)
      throw new CancelledError(`${command} was cancelled`, { cause: ctx.signal.reason });
    if (result.exitCode !== 0 || result.failed) {
      // A program that never started has no exit code: say why (e.g. spawn ENOENT).
      const why =
        result.exitCode === undefined && !result.signal ? (result.originalMessage ?? '') : stderr.text();
      throw new ProcessError(command, result.exitCode, redactSecrets(why, secrets));
    }
    const ioFailure = ioResult.find((r) => r.status === 'rejected');
    if (ioFailure) throw ioFailure.reason;
    return { exitCode: 0, stdout: redactSecrets(stdoutTail.text(), secrets), bytes };
  },
});
