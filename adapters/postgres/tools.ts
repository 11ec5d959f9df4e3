/**
 * The native client tools (pg_dump, pg_restore, pg_dumpall): where they are and how to
 * run them with the password in the environment (never argv) and stderr kept for the error.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ProcessError } from '../../engine/errors.ts';
import { redactSecrets } from '../../engine/redact.ts';

export type PgToolName = 'pg_dump' | 'pg_restore' | 'pg_dumpall';

/**
 * Directory of the newest installed client tools: `LIFEBOAT_PG_BIN`, else the newest
 * `/usr/lib/postgresql/<major>/bin`, else '' (found on PATH).
 */
export function pgBinDir(): string {
  const fromEnv = process.env.LIFEBOAT_PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'pg_dump'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return '';
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_dump')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? '' : join(root, majors[0], 'bin');
}

/** Full path of a tool (or its bare name when it is to be found on PATH). */
export function pgTool(name: PgToolName): string {
  const dir = pgBinDir();
  return dir ? join(dir, name) : name;
}

/** A running tool: its stdout/stdin (when piped) and its outcome. */
export interface RunningTool {
  readonly stdout: Readable | null;
  readonly stdin: Writable | null;
  /** Resolves when the tool exited 0; rejects with a ProcessError (redacted stderr tail) otherwise. */
  readonly done: Promise<void>;
  kill(): void;
}

/** Start `tool args` with `env` added to the environment. */
export function startTool(
  tool: PgToolName,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  options: { stdin?: 'pipe' | 'ignore'; stdout?: 'pipe' | 'ignore'; signal?: AbortSignal } = {},
): RunningTool {
  const child = spawn(pgTool(tool), args, {
    env: { ...process.env, ...env },
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'],
  });
  const secrets = env.PGPASSWORD ? [env.PGPASSWORD] : [];
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const onAbort = (): void => {
    child.kill('SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      reject(new ProcessError(`${tool} ${args.join(' ')}`, undefined, error.message, { cause: error }));
    });
    child.once('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else
        reject(
          new ProcessError(
            `${tool} ${args.join(' ')}`,
            code ?? undefined,
            redactSecrets(stderr, secrets).slice(-1500),
          ),
        );
    });
  });
  // Callers that only await `done` later must not crash the process with an unhandled rejection.
  done.catch(() => {});
  return {
    stdout: child.stdout,
    stdin: child.stdin,
    done,
    kill: () => child.kill('SIGTERM'),
  };
}

/** Major version of the installed pg_dump, e.g. 15. */
export async function toolMajor(): Promise<number> {
  const tool = startTool('pg_dump', ['--version'], {});
  let out = '';
  tool.stdout?.setEncoding('utf8');
  tool.stdout?.on('data', (d: string) => (out += d));
  await tool.done;
  const match = /(\d+)(?:\.\d+)?/.exec(out);
  return match ? Number(match[1]) : 0;
}
