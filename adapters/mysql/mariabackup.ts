/**
 * Running `mariabackup` and `mbstream` (Debian package `mariadb-backup`). Credentials go
 * in a private option file (mode 0600, in a 0700 directory, removed afterwards), never
 * in argv where any process listing shows them. stderr is kept as a redacted tail for
 * error messages.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { AdapterError, ProcessError } from '../../engine/errors.ts';
import { redactSecrets } from '../../engine/redact.ts';
import type { MysqlTarget } from './connect.ts';

/** Where the tools are looked up: `LIFEBOAT_MARIABACKUP_BIN`, else `/usr/bin`. */
function toolPath(name: 'mariabackup' | 'mbstream'): string {
  const dir = process.env.LIFEBOAT_MARIABACKUP_BIN ?? '/usr/bin';
  const path = join(dir, name);
  if (!existsSync(path)) {
    throw new AdapterError(
      'mysql',
      `${name} not found in ${dir}: the replica-snapshot strategy needs the mariadb-backup package (of the server's major version) where Lifeboat runs`,
    );
  }
  return path;
}

export const mariabackupPath = (): string => toolPath('mariabackup');
export const mbstreamPath = (): string => toolPath('mbstream');

/** An option-file value: double-quoted, with `\` and `"` escaped. */
export function optionValue(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The `[mariabackup]` group connecting to `target` over TCP. Pure. */
export function connectionOptions(target: MysqlTarget): string {
  const lines = [
    '[mariabackup]',
    `host=${optionValue(target.host)}`,
    `port=${String(target.port)}`,
    'protocol=tcp',
    `user=${optionValue(target.user)}`,
  ];
  if (target.password !== undefined) lines.push(`password=${optionValue(target.password)}`);
  return `${lines.join('\n')}\n`;
}

/** A private scratch directory with the option file; `remove` deletes both. */
export async function privateWorkDir(
  target: MysqlTarget | undefined,
): Promise<{ dir: string; optionFile: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-mariabackup-'));
  const optionFile = join(dir, 'lifeboat.cnf');
  await writeFile(optionFile, target === undefined ? '[mariabackup]\n' : connectionOptions(target), {
    mode: 0o600,
  });
  return { dir, optionFile, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A running tool with its redacted stderr tail and its exit. */
export interface RunningTool<I extends Writable | null, O extends Readable | null> {
  readonly child: ChildProcessByStdio<I, O, Readable>;
  /** Resolves once the process exited: throws a ProcessError (redacted stderr tail) unless 0. */
  readonly done: Promise<void>;
}

/**
 * Start `command` with `args`; `printable` names it in errors. stdin/stdout are pipes
 * when asked, else ignored. `signal` kills the process.
 */
export function startTool<I extends boolean, O extends boolean>(
  command: string,
  args: readonly string[],
  options: {
    readonly printable: string;
    readonly stdin: I;
    readonly stdout: O;
    readonly secrets: readonly string[];
    readonly signal?: AbortSignal;
  },
): RunningTool<I extends true ? Writable : null, O extends true ? Readable : null> {
  const child = spawn(command, [...args], {
    stdio: [options.stdin ? 'pipe' : 'ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'],
    ...(options.signal ? { signal: options.signal } : {}),
    env: { ...process.env, LC_ALL: 'C' },
  }) as unknown as ChildProcessByStdio<
    I extends true ? Writable : null,
    O extends true ? Readable : null,
    Readable
  >;
  let tail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    tail = (tail + d).slice(-4000);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => {
      reject(new ProcessError(options.printable, undefined, error.message));
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        const last = redactSecrets(tail, options.secrets).trim().split('\n').slice(-8).join('\n');
        reject(new ProcessError(options.printable, code ?? undefined, last));
      }
    });
  });
  // Callers may fail before awaiting `done`; its rejection is reported through them.
  done.catch(() => undefined);
  return { child, done };
}
