import { describe, expect, it } from 'vitest';
import { CancelledError, ProcessError } from '../../../engine/errors.ts';
import { execFunction } from '../../../engine/functions/exec.ts';
import { aFunctionContext } from './context.ts';

// These run real local processes (the node binary running the tests): no database.
const node = process.execPath;

describe('exec', () => {
  it('runs argv without a shell and captures stdout', async () => {
    const { ctx } = aFunctionContext();
    const out = await execFunction.exec({ command: [node, '-e', 'console.log("hi $HOME;")'] }, ctx);
    expect(out).toEqual({ exitCode: 0, stdout: 'hi $HOME;\n', bytes: 0 });
  });

  it('passes credentials by environment only, and redacts them from errors', async () => {
    const { ctx } = aFunctionContext();
    const script = 'process.stderr.write("auth " + process.env.PW); process.exit(3)';
    const error = await execFunction
      .exec({ command: [node, '-e', script], credentialsEnv: { PW: 'password' } }, ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    const e = error as ProcessError;
    expect(e.exitCode).toBe(3);
    expect(e.stderrTail).toBe('auth ***');
    expect(e.message).toContain('exited 3: auth ***');
    expect(e.message).not.toContain('hunter2');
  });

  it('streams stdout into an artifact and back into stdin', async () => {
    const { ctx, sink, progress } = aFunctionContext();
    await execFunction.exec(
      { command: [node, '-e', 'process.stdout.write("x".repeat(100000))'], stdoutTo: 'dump.rdb' },
      ctx,
    );
    expect(sink.artifacts.get('dump.rdb')?.length).toBe(100000);
    expect(progress.bytes).toBe(100000);
    const script = 'let n=0; process.stdin.on("data", c => n += c.length).on("end", () => console.log(n))';
    const out = await execFunction.exec({ command: [node, '-e', script], stdinFrom: 'dump.rdb' }, ctx);
    expect(out.stdout).toBe('100000\n');
  });

  it('stops the process when the signal aborts', async () => {
    const controller = new AbortController();
    const { ctx } = aFunctionContext({ signal: controller.signal });
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 100);
    await expect(
      execFunction.exec({ command: [node, '-e', 'setTimeout(() => {}, 30000)'] }, ctx),
    ).rejects.toThrow(CancelledError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a missing program as a ProcessError', async () => {
    const { ctx } = aFunctionContext();
    await expect(execFunction.exec({ command: ['/nonexistent/prog', 'a b'] }, ctx)).rejects.toThrow(
      "/nonexistent/prog 'a b' was killed: spawn /nonexistent/prog ENOENT",
    );
  });
});
