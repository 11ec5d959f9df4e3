import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError, LifeboatError, UsageError } from '../../../engine/errors.ts';
import { assertFunction } from '../../../engine/functions/assert.ts';
import { execFunction } from '../../../engine/functions/exec.ts';
import { makeFingerprintFunction } from '../../../engine/functions/make-fingerprint.ts';
import { waitForFunction } from '../../../engine/functions/wait-for.ts';
import { aFunctionContext } from './context.ts';

// Real local processes (the node binary running the tests): no database.
const node = process.execPath;

describe('exec stdin', () => {
  it('writes literal text to the process', async () => {
    const { ctx } = aFunctionContext();
    const script =
      'let s=""; process.stdin.on("data", c => s += c).on("end", () => console.log(s.toUpperCase()))';
    const out = await execFunction.exec({ command: [node, '-e', script], stdin: 'DBSIZE\nINFO\n' }, ctx);
    expect(out.stdout).toBe('DBSIZE\nINFO\n\n');
  });

  it('refuses stdin together with stdinFrom', async () => {
    const { ctx } = aFunctionContext();
    await expect(
      execFunction.exec({ command: [node, '-e', ''], stdin: 'x', stdinFrom: 'dump.rdb' }, ctx),
    ).rejects.toThrow(UsageError);
  });
});

describe('waitFor', () => {
  // The command reports a counter kept in a file, so the condition changes between attempts.
  const counter = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-waitfor-'));
    const file = join(dir, 'n');
    await writeFile(file, '0');
    const script = `const fs=require("fs");const n=Number(fs.readFileSync(${JSON.stringify(file)},"utf8"))+1;fs.writeFileSync(${JSON.stringify(file)},String(n));console.log("in_progress:"+(n<3?1:0));console.log("status:"+(process.argv[1]||"ok"))`;
    return { dir, command: (status = 'ok') => [node, '-e', script, status] };
  };

  it('repeats the command until its output matches `until`', async () => {
    const { dir, command } = await counter();
    try {
      const { ctx } = aFunctionContext();
      const out = await waitForFunction.exec(
        { command: command(), until: '^in_progress:0', failIf: '^status:err', interval: '10ms' },
        ctx,
      );
      expect(out).toMatchObject({ attempts: 3, stdout: 'in_progress:0\nstatus:ok\n' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails when the final output matches `failIf`', async () => {
    const { dir, command } = await counter();
    try {
      const { ctx } = aFunctionContext();
      await expect(
        waitForFunction.exec(
          { command: command('err'), until: '^in_progress:0', failIf: '^status:err', interval: '10ms' },
          ctx,
        ),
      ).rejects.toThrow('matched failIf /^status:err/: status:err');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const { ctx } = aFunctionContext({ signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 200);
    await expect(
      waitForFunction.exec(
        { command: [node, '-e', 'console.log("busy")'], until: 'done', interval: '50ms' },
        ctx,
      ),
    ).rejects.toThrow(CancelledError);
  });

  it('rejects an invalid regular expression', async () => {
    const { ctx } = aFunctionContext();
    await expect(waitForFunction.exec({ command: [node, '-e', ''], until: '(' }, ctx)).rejects.toThrow(
      'waitFor: until is not a regular expression',
    );
  });
});

describe('assert', () => {
  it('passes on true and fails with the message on false', async () => {
    const { ctx } = aFunctionContext();
    await expect(assertFunction.exec({ that: true, message: 'm' }, ctx)).resolves.toEqual({});
    const error = await assertFunction
      .exec({ that: false, message: 'target not empty' }, ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifeboatError);
    expect((error as LifeboatError).message).toBe('target not empty');
    expect((error as LifeboatError).retryable).toBe(false);
  });

  it('refuses a string where a boolean is needed (a template typo cannot pass)', async () => {
    const { ctx } = aFunctionContext();
    await expect(assertFunction.exec({ that: 'false', message: 'm' }, ctx)).rejects.toThrow(UsageError);
  });
});

describe('makeFingerprint', () => {
  it('counts rows from command output and hashes the content', async () => {
    const { ctx } = aFunctionContext();
    const out = await makeFingerprintFunction.exec(
      { tables: { keyspace: { rows: ' 42\n', content: 'abc' } }, markers: { rdbSaveTime: '1795620205\n' } },
      ctx,
    );
    expect(out).toEqual({
      fingerprint: {
        keyspace: { rows: 42, hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
      },
      markers: [{ kind: 'rdbSaveTime', value: '1795620205' }],
    });
  });

  it('refuses a row count that is not a number (e.g. an error reply)', async () => {
    const { ctx } = aFunctionContext();
    await expect(
      makeFingerprintFunction.exec({ tables: { keyspace: { rows: 'ERR no auth', content: '' } } }, ctx),
    ).rejects.toThrow('must be a whole number');
  });
});
