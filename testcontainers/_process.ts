/**
 * Internal helpers shared by the server starters: free ports, private directories, child
 * processes with a log file, readiness polling and orderly shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServerError } from './errors.ts';

/** The cache `testcontainers/install` fills; binaries live in its `bin/`. */
export const CACHE_DIR =
  process.env.LIFEBOAT_CACHE ?? join(process.env.HOME ?? '/root', '.cache', 'lifeboat');
export const CACHE_BIN = join(CACHE_DIR, 'bin');

/** uid/gid of `nobody`: servers that refuse root (PostgreSQL) run as it when we are root. */
const NOBODY = { uid: 65534, gid: 65534 };

/** The identity to run a root-refusing server as, or undefined when we are not root. */
export function unprivilegedUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? NOBODY : undefined;
}

/**
 * `n` distinct free loopback ports. All listeners are held open together so the same
 * port is never returned twice; a server may still lose a race for one, which the caller
 * sees as a failed start.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (s) =>
          new Promise<number>((resolve, reject) => {
            s.once('error', reject);
            s.listen(0, '127.0.0.1', () => {
              const address = s.address();
              if (address === null || typeof address === 'string') reject(new Error('no port'));
              else resolve(address.port);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) =>
            s.close(() => {
              resolve();
            }),
          ),
      ),
    );
  }
}

/** A fresh private directory for one server, owned by `owner` when given. */
export async function serverDir(name: string, owner?: { uid: number; gid: number }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lifeboat-${name}-`));
  liveDirs.add(dir);
  if (owner) await chown(dir, owner.uid, owner.gid);
  return dir;
}

/** Removes a server directory; tolerant of files still being closed by a dying process. */
export async function removeDir(dir: string): Promise<void> {
  liveDirs.delete(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** Directories of running servers, removed if the process is killed; not failed starts' ones. */
const liveDirs = new Set<string>();

/** The last `lines` lines of a log file, or '' if it cannot be read. */
export async function logTail(path: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const live = new Set<ChildProcess>();
function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
// A test process that dies must not leave servers behind holding ports and memory.
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    // Keep the default behaviour (terminate) unless someone else handles the signal.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** A server child process whose stdout and stderr go to a log file. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly logPath: string;
  readonly cwd?: string;
  /** Added to the inherited environment; the place for passwords (never argv). */
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: { uid: number; gid: number };
}

/** Starts a long-running server process. Throws if the binary cannot be executed. */
export async function startProcess(options: StartProcessOptions): Promise<ServerProcess> {
  const log = await open(options.logPath, 'a');
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', log.fd, log.fd],
    ...(options.user ?? {}),
  });
  await log.close();
  live.add(child);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      done = true;
      live.delete(child);
      resolve(err.message);
    });
  });
  return {
    child,
    logPath: options.logPath,
    exited,
    hasExited: () => done,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (done) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `probe` until it resolves truthy. Fails fast, with the log tail, when the process
 * exits; fails with the last probe error after `timeoutMs`.
 */
export async function waitUntil<T>(
  server: string,
  proc: ServerProcess,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      const code = await proc.exited;
      const tail = await logTail(proc.logPath);
      throw new TestServerError(server, `process exited (${code}) before it was ready:\n${tail}`, {
        logPath: proc.logPath,
      });
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  const reason = last instanceof Error ? last.message : 'no answer';
  throw new TestServerError(server, `not ready after ${timeoutMs / 1000}s: ${reason}`, {
    logPath: proc.logPath,
    cause: last,
  });
}

/**
 * Runs a short command to completion (an init tool), output appended to `logPath`.
 * Throws a TestServerError with the log tail when it fails.
 */
export async function runTool(server: string, options: StartProcessOptions): Promise<void> {
  const proc = await startProcess(options);
  const code = await proc.exited;
  if (code !== 0) {
    const tail = await logTail(options.logPath);
    throw new TestServerError(server, `${options.command} failed (${code}):\n${tail}`, {
      logPath: options.logPath,
    });
  }
}

/** Seconds since `t0` (from `performance.now()`), one decimal. */
export function secondsSince(t0: number): number {
  return Math.round((performance.now() - t0) / 100) / 10;
}

/**
 * Runs `start`; on failure stops what was started and keeps the directory (its log is in
 * it) so the error's log path stays readable.
 */
export async function withCleanup<T>(
  dir: string,
  start: (cleanup: (fn: () => Promise<void>) => void) => Promise<T>,
): Promise<T> {
  const undo: (() => Promise<void>)[] = [];
  try {
    return await start((fn) => undo.push(fn));
  } catch (err) {
    for (const fn of undo.reverse()) await fn().catch(() => undefined);
    liveDirs.delete(dir); // kept: the error names the log inside it
    throw err;
  }
}
