/**
 * Run a command in a container of a pod through the API server's `pods/exec` (WebSocket,
 * `v5.channel.k8s.io`: stdin can be closed while stdout keeps flowing), as `kubectl exec`
 * does, on client-node's `WebSocketHandler`. Streams both ways with backpressure; the exit
 * status comes from the status channel.
 */
import { PassThrough, Readable, type Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
// Not re-exported by the package root; the package has no `exports` map, so this is its file.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { CancelledError, LifeboatError, ProcessError } from '../errors.ts';

/** Where a command runs: printable (no secrets). */
export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** A command in a pod exited non-zero, or the exec could not be run at all. */
export class PodExecError extends ProcessError {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** HTTP status when the API server refused the exec (403: RBAC), else undefined. */
  readonly httpStatus: number | undefined;

  constructor(
    target: ExecTarget,
    command: string,
    exitCode: number | undefined,
    detail: string,
    options: { httpStatus?: number; cause?: unknown; retryable?: boolean } = {},
  ) {
    const where = `exec in ${target.namespace}/${target.pod} (container ${target.container}): ${command}`;
    super(where, exitCode, detail, { cause: options.cause, retryable: options.retryable ?? false });
    // ProcessError says "was killed" without an exit code; here the command never ran or its
    // stream was lost, so say that instead.
    if (exitCode === undefined) this.message = `${where} did not complete: ${detail.trim()}`;
    this.namespace = target.namespace;
    this.pod = target.pod;
    this.container = target.container;
    this.httpStatus = options.httpStatus;
  }
}

export interface PodExecRequest extends ExecTarget {
  readonly command: readonly string[];
  /** A printable rendering of the command for messages (the caller redacts it). */
  readonly printable: string;
  /** Bytes sent before `stdin` (e.g. an environment preamble); never logged. */
  readonly preamble?: Buffer;
  /** What to feed to the command's stdin; stdin is closed after it (or after the preamble). */
  readonly stdin?: AsyncIterable<Buffer>;
  /** Receives stdout; when absent, only the last `tailBytes` of stdout are kept. */
  readonly stdout?: Writable;
  readonly signal: AbortSignal;
  /** Called with each stdout/stdin chunk size, for progress. */
  readonly onBytes?: (n: number) => void;
  /**
   * The command first writes `lifeboat-exec-pid=<pid>` as a line on stderr (see
   * `PID_LINE`); a cancel then also kills that process with a second exec, since closing
   * the stream does not stop a command (kubelets leave exec'd processes running).
   */
  readonly reportsPid?: boolean;
}

/** The shell line that reports the command's PID (it keeps it across `exec "$@"`). */
export const PID_LINE = `printf 'lifeboat-exec-pid=%s\\n' "$$" >&2`;
const PID_PATTERN = /^lifeboat-exec-pid=(\d+)$/;

/** TERM, up to 5 s, then KILL: a second exec that stops a cancelled command. */
function stopCommand(pid: string): string[] {
  return [
    'sh',
    '-c',
    'kill -TERM "$1" 2>/dev/null || exit 0; for i in 1 2 3 4 5; do sleep 1; kill -0 "$1" 2>/dev/null || exit 0; done; kill -KILL "$1" 2>/dev/null; exit 0',
    'lifeboat-stop',
    pid,
  ];
}

export interface PodExecResult {
  /** The last 64 KiB of stdout when no `stdout` stream was given. */
  readonly stdoutTail: string;
  readonly stderrTail: string;
}

/** What this module uses of the `ws` WebSocket client-node opens (its types do not resolve here). */
interface ExecSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  close(): void;
  pause(): void;
  resume(): void;
  addEventListener(type: 'close', listener: () => void, options?: { once?: boolean }): void;
}
const CLOSED = 3;

const TAIL_BYTES = 64 * 1024;
const STDERR_TAIL_BYTES = 4096;
/** Stop feeding stdin while this much is queued on the socket. */
const HIGH_WATER = 4 * 1024 * 1024;

/** Keeps the last `limit` bytes written to it. */
function tail(limit: number): { push(chunk: Buffer): void; text(): string } {
  let kept = Buffer.alloc(0);
  return {
    push(chunk) {
      kept = Buffer.concat([kept, chunk]);
      if (kept.length > 2 * limit) kept = kept.subarray(kept.length - limit);
    },
    text: () => kept.subarray(Math.max(0, kept.length - limit)).toString('utf8'),
  };
}

/** The fields of the exec status (a `v1.Status`) read here. */
export interface ExecStatus {
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { readonly causes?: readonly { readonly reason?: string; readonly message?: string }[] };
}

/** The exit code a failed status carries (`NonZeroExitCode` → cause `ExitCode`). */
export function exitCodeOf(status: ExecStatus): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

/** The HTTP status in a failed WebSocket handshake (`Unexpected server response: 403`). */
function handshakeStatus(error: unknown): number | undefined {
  const text =
    error instanceof Error ? error.message : String((error as { message?: unknown }).message ?? error);
  const match = /Unexpected server response: (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function why(status: number | undefined, error: unknown): string {
  const text =
    error instanceof Error ? error.message : String((error as { message?: unknown }).message ?? error);
  if (status === 403)
    return `the API server refused it (403 Forbidden): the identity needs \`create\` and \`get\` on pods/exec in this namespace (chart: rbac.podExec=true)`;
  if (status === 404) return `the API server answered 404: the pod does not exist or its node has no kubelet`;
  return text;
}

/** Channels of the `channel.k8s.io` exec protocol. */
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;

/**
 * Run `command` in the container. Resolves when the command exited 0 and every stream
 * was drained; rejects with PodExecError (exit code, stderr tail) otherwise, or with
 * CancelledError when `signal` aborted (the stream is closed and, with `reportsPid`, the
 * command killed).
 *
 * Reads until the API server closes the connection, not until the status frame: the API
 * server relays each stream of the kubelet separately, so the status can arrive before the
 * last stdout frames (client-node's `Exec` stops at the status and loses them).
 */
export async function execInPod(kc: KubeConfig, req: PodExecRequest): Promise<PodExecResult> {
  if (req.signal.aborted)
    throw new CancelledError(`${req.printable} was cancelled`, { cause: req.signal.reason });
  let socket: ExecSocket | undefined;
  const stderr = tail(STDERR_TAIL_BYTES);
  const stdoutTail = tail(TAIL_BYTES);
  const onBytes = req.onBytes ?? (() => undefined);
  const target = req.stdout;

  // stdout: respect the consumer's backpressure by pausing the socket until it drains.
  let paused = false;
  const onStdout = (chunk: Buffer): void => {
    onBytes(chunk.length);
    if (!target) {
      stdoutTail.push(chunk);
      return;
    }
    if (!target.write(chunk) && !paused) {
      paused = true;
      socket?.pause();
      target.once('drain', () => {
        paused = false;
        socket?.resume();
      });
    }
  };
  // The PID line, when asked for, is the first line on stderr: taken out of the tail.
  let pid: string | undefined;
  let head: Buffer | undefined = req.reportsPid ? Buffer.alloc(0) : undefined;
  const onStderr = (chunk: Buffer): void => {
    if (head !== undefined) {
      head = Buffer.concat([head, chunk]);
      const newline = head.indexOf(10);
      if (newline < 0 && head.length < 256) return;
      const line = newline < 0 ? '' : head.subarray(0, newline).toString('utf8');
      const match = PID_PATTERN.exec(line);
      pid = match?.[1];
      chunk = match ? head.subarray(newline + 1) : head;
      head = undefined;
    }
    stderr.push(chunk);
  };
  let statusText = '';

  const withStdin = req.preamble !== undefined || req.stdin !== undefined;
  const signal = req.signal;
  async function* feed(): AsyncGenerator<Buffer> {
    if (req.preamble) yield req.preamble;
    if (!req.stdin) return;
    for await (const chunk of req.stdin) {
      while ((socket?.bufferedAmount ?? 0) > HIGH_WATER && !signal.aborted) await delay(5);
      if (signal.aborted) return;
      onBytes(chunk.length);
      yield chunk;
    }
  }
  const stdin = withStdin ? Readable.from(feed(), { objectMode: false }) : undefined;

  const query = new URLSearchParams({
    stdout: 'true',
    stderr: 'true',
    stdin: String(withStdin),
    tty: 'false',
    container: req.container,
  });
  for (const arg of req.command) query.append('command', arg);
  const path = `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/exec?${query.toString()}`;
  // Close frames the server sends (v5) end these throwaway streams, never process.stdout.
  const handler = new WebSocketHandler(kc, undefined, {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  });
  try {
    const opened: unknown = await handler.connect(path, null, (channel, data) => {
      if (channel === STDOUT) onStdout(data);
      else if (channel === STDERR) onStderr(data);
      else if (channel === STATUS) statusText += data.toString('utf8');
      return true;
    });
    socket = opened as ExecSocket;
  } catch (error) {
    const http = handshakeStatus(error);
    throw new PodExecError(req, req.printable, undefined, why(http, error), {
      ...(http !== undefined && { httpStatus: http }),
      cause: error,
      retryable: http === undefined || http >= 500,
    });
  }
  const ws = socket;
  if (stdin) WebSocketHandler.handleStandardInput(ws, stdin, STDIN);
  const onAbort = (): void => {
    ws.close();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let streamError: Error | undefined;
  stdin?.on('error', (error: Error) => {
    streamError ??= error;
    ws.close();
  });
  try {
    await new Promise<void>((resolve) => {
      if (ws.readyState === CLOSED) resolve();
      else
        ws.addEventListener(
          'close',
          () => {
            resolve();
          },
          { once: true },
        );
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
    stdin?.destroy();
  }
  if (signal.aborted) {
    target?.destroy();
    const stopped = pid === undefined ? '' : `; ${await stop(kc, req, pid)}`;
    throw new CancelledError(`${req.printable} was cancelled${stopped}`, { cause: signal.reason });
  }
  let status: ExecStatus | undefined;
  try {
    status = statusText ? (JSON.parse(statusText) as ExecStatus) : undefined;
  } catch {
    status = undefined;
  }
  if (!status) {
    const lost = new LifeboatError('the exec stream closed without an exit status');
    target?.destroy(lost);
    throw new PodExecError(req, req.printable, undefined, stderr.text() || lost.message, {
      cause: streamError,
      retryable: true,
    });
  }
  // Everything the command wrote has arrived: end the consumer's stream (it may still be
  // writing what it buffered; the caller waits for that, e.g. the artifact's put).
  target?.end();
  if (status.status !== 'Success') {
    throw new PodExecError(req, req.printable, exitCodeOf(status), stderr.text() || (status.message ?? ''));
  }
  if (streamError) throw streamError;
  return { stdoutTail: stdoutTail.text(), stderrTail: stderr.text() };
}

/** Kill a cancelled command's process with a second exec; says what happened, never throws. */
async function stop(kc: KubeConfig, target: ExecTarget, pid: string): Promise<string> {
  try {
    await execInPod(kc, {
      ...target,
      command: stopCommand(pid),
      printable: `kill ${pid}`,
      signal: AbortSignal.timeout(30_000),
    });
    return `stopped process ${pid} in the container`;
  } catch (error) {
    return `could not stop process ${pid} in the container: ${(error as Error).message}`;
  }
}
